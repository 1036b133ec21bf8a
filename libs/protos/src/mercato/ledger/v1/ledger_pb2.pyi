import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.common.v1 import money_pb2 as _money_pb2
from mercato.validate.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Period(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERIOD_UNSPECIFIED: _ClassVar[Period]
    PERIOD_DAY: _ClassVar[Period]
    PERIOD_MONTH: _ClassVar[Period]
PERIOD_UNSPECIFIED: Period
PERIOD_DAY: Period
PERIOD_MONTH: Period

class AsOf(_message.Message):
    __slots__ = ("time", "sequence")
    TIME_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    sequence: int
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sequence: _Optional[int] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ("account", "as_of")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    account: str
    as_of: AsOf
    def __init__(self, account: _Optional[str] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class GetBalanceResponse(_message.Message):
    __slots__ = ("account", "balances", "sequence")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    account: str
    balances: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    sequence: int
    def __init__(self, account: _Optional[str] = ..., balances: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., sequence: _Optional[int] = ...) -> None: ...

class GetStatementRequest(_message.Message):
    __slots__ = ("account", "as_of", "limit")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    account: str
    as_of: AsOf
    limit: int
    def __init__(self, account: _Optional[str] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class StatementLine(_message.Message):
    __slots__ = ("sequence", "occurred_at", "event_id", "event_type", "amount", "balance_after")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    occurred_at: _timestamp_pb2.Timestamp
    event_id: str
    event_type: str
    amount: _money_pb2.Money
    balance_after: _money_pb2.Money
    def __init__(self, sequence: _Optional[int] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., balance_after: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class GetStatementResponse(_message.Message):
    __slots__ = ("account", "lines")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    account: str
    lines: _containers.RepeatedCompositeFieldContainer[StatementLine]
    def __init__(self, account: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[StatementLine, _Mapping]]] = ...) -> None: ...

class PeriodAmount(_message.Message):
    __slots__ = ("period", "key", "amount", "count")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    period: str
    key: str
    amount: _money_pb2.Money
    count: int
    def __init__(self, period: _Optional[str] = ..., key: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., count: _Optional[int] = ...) -> None: ...

class GetRevenueRequest(_message.Message):
    __slots__ = ("period", "as_of")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    period: Period
    as_of: AsOf
    def __init__(self, period: _Optional[_Union[Period, str]] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class GetRevenueResponse(_message.Message):
    __slots__ = ("amounts",)
    AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    amounts: _containers.RepeatedCompositeFieldContainer[PeriodAmount]
    def __init__(self, amounts: _Optional[_Iterable[_Union[PeriodAmount, _Mapping]]] = ...) -> None: ...

class GetExpenditureRequest(_message.Message):
    __slots__ = ("period", "as_of")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    period: Period
    as_of: AsOf
    def __init__(self, period: _Optional[_Union[Period, str]] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class GetExpenditureResponse(_message.Message):
    __slots__ = ("amounts",)
    AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    amounts: _containers.RepeatedCompositeFieldContainer[PeriodAmount]
    def __init__(self, amounts: _Optional[_Iterable[_Union[PeriodAmount, _Mapping]]] = ...) -> None: ...

class GetMonthlyResultRequest(_message.Message):
    __slots__ = ("as_of",)
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    as_of: AsOf
    def __init__(self, as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class MonthlyResult(_message.Message):
    __slots__ = ("month", "revenue", "expenditure", "net", "revenue_by_stream", "expenditure_by_category", "advertising", "advertising_covers_expenditure", "advertising_to_expenditure_bps")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    EXPENDITURE_FIELD_NUMBER: _ClassVar[int]
    NET_FIELD_NUMBER: _ClassVar[int]
    REVENUE_BY_STREAM_FIELD_NUMBER: _ClassVar[int]
    EXPENDITURE_BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ADVERTISING_FIELD_NUMBER: _ClassVar[int]
    ADVERTISING_COVERS_EXPENDITURE_FIELD_NUMBER: _ClassVar[int]
    ADVERTISING_TO_EXPENDITURE_BPS_FIELD_NUMBER: _ClassVar[int]
    month: str
    revenue: _money_pb2.Money
    expenditure: _money_pb2.Money
    net: _money_pb2.Money
    revenue_by_stream: _containers.RepeatedCompositeFieldContainer[MonthlyAmount]
    expenditure_by_category: _containers.RepeatedCompositeFieldContainer[MonthlyAmount]
    advertising: _money_pb2.Money
    advertising_covers_expenditure: bool
    advertising_to_expenditure_bps: int
    def __init__(self, month: _Optional[str] = ..., revenue: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., expenditure: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., net: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., revenue_by_stream: _Optional[_Iterable[_Union[MonthlyAmount, _Mapping]]] = ..., expenditure_by_category: _Optional[_Iterable[_Union[MonthlyAmount, _Mapping]]] = ..., advertising: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., advertising_covers_expenditure: _Optional[bool] = ..., advertising_to_expenditure_bps: _Optional[int] = ...) -> None: ...

class MonthlyAmount(_message.Message):
    __slots__ = ("key", "amount")
    KEY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    key: str
    amount: _money_pb2.Money
    def __init__(self, key: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class GetMonthlyResultResponse(_message.Message):
    __slots__ = ("months",)
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    months: _containers.RepeatedCompositeFieldContainer[MonthlyResult]
    def __init__(self, months: _Optional[_Iterable[_Union[MonthlyResult, _Mapping]]] = ...) -> None: ...

class GetGrossMerchandiseVolumeRequest(_message.Message):
    __slots__ = ("period", "as_of")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    period: Period
    as_of: AsOf
    def __init__(self, period: _Optional[_Union[Period, str]] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class GetGrossMerchandiseVolumeResponse(_message.Message):
    __slots__ = ("amounts",)
    AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    amounts: _containers.RepeatedCompositeFieldContainer[PeriodAmount]
    def __init__(self, amounts: _Optional[_Iterable[_Union[PeriodAmount, _Mapping]]] = ...) -> None: ...

class GetEscrowFloatRequest(_message.Message):
    __slots__ = ("as_of",)
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    as_of: AsOf
    def __init__(self, as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class EscrowFloat(_message.Message):
    __slots__ = ("amount", "orders")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    amount: _money_pb2.Money
    orders: int
    def __init__(self, amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., orders: _Optional[int] = ...) -> None: ...

class GetEscrowFloatResponse(_message.Message):
    __slots__ = ("floats",)
    FLOATS_FIELD_NUMBER: _ClassVar[int]
    floats: _containers.RepeatedCompositeFieldContainer[EscrowFloat]
    def __init__(self, floats: _Optional[_Iterable[_Union[EscrowFloat, _Mapping]]] = ...) -> None: ...

class GetTrialBalanceRequest(_message.Message):
    __slots__ = ("as_of",)
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    as_of: AsOf
    def __init__(self, as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class AccountBalance(_message.Message):
    __slots__ = ("account", "balance")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    account: str
    balance: _money_pb2.Money
    def __init__(self, account: _Optional[str] = ..., balance: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class GetTrialBalanceResponse(_message.Message):
    __slots__ = ("balances", "debits", "credits", "balanced")
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    DEBITS_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    BALANCED_FIELD_NUMBER: _ClassVar[int]
    balances: _containers.RepeatedCompositeFieldContainer[AccountBalance]
    debits: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    credits: _containers.RepeatedCompositeFieldContainer[_money_pb2.Money]
    balanced: bool
    def __init__(self, balances: _Optional[_Iterable[_Union[AccountBalance, _Mapping]]] = ..., debits: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., credits: _Optional[_Iterable[_Union[_money_pb2.Money, _Mapping]]] = ..., balanced: _Optional[bool] = ...) -> None: ...

class AuditRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Violation(_message.Message):
    __slots__ = ("invariant", "detail")
    INVARIANT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    invariant: str
    detail: str
    def __init__(self, invariant: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class BrokenLink(_message.Message):
    __slots__ = ("sequence", "event_id", "reason")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    event_id: str
    reason: str
    def __init__(self, sequence: _Optional[int] = ..., event_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AuditResponse(_message.Message):
    __slots__ = ("violations", "broken_link", "entries")
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    BROKEN_LINK_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    broken_link: BrokenLink
    entries: int
    def __init__(self, violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., broken_link: _Optional[_Union[BrokenLink, _Mapping]] = ..., entries: _Optional[int] = ...) -> None: ...
