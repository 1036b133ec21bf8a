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

class ShipmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHIPMENT_STATUS_UNSPECIFIED: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_CREATED: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_DISPATCHED: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_IN_TRANSIT: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_DELIVERED: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_LOST: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_CANCELLED: _ClassVar[ShipmentStatus]
SHIPMENT_STATUS_UNSPECIFIED: ShipmentStatus
SHIPMENT_STATUS_CREATED: ShipmentStatus
SHIPMENT_STATUS_DISPATCHED: ShipmentStatus
SHIPMENT_STATUS_IN_TRANSIT: ShipmentStatus
SHIPMENT_STATUS_DELIVERED: ShipmentStatus
SHIPMENT_STATUS_LOST: ShipmentStatus
SHIPMENT_STATUS_CANCELLED: ShipmentStatus

class CreateShipmentRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "seller_id", "buyer_id", "destination", "parcel")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    PARCEL_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    seller_id: str
    buyer_id: str
    destination: Destination
    parcel: Parcel
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., destination: _Optional[_Union[Destination, _Mapping]] = ..., parcel: _Optional[_Union[Parcel, _Mapping]] = ...) -> None: ...

class CreateShipmentResponse(_message.Message):
    __slots__ = ("shipment",)
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: Shipment
    def __init__(self, shipment: _Optional[_Union[Shipment, _Mapping]] = ...) -> None: ...

class CancelShipmentRequest(_message.Message):
    __slots__ = ("idempotency_key", "order_id", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    order_id: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., order_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelShipmentResponse(_message.Message):
    __slots__ = ("shipment",)
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: Shipment
    def __init__(self, shipment: _Optional[_Union[Shipment, _Mapping]] = ...) -> None: ...

class PostTrackingUpdateRequest(_message.Message):
    __slots__ = ("idempotency_key", "shipment_id", "location", "note", "dispatched", "in_transit", "delivered", "lost")
    class Dispatched(_message.Message):
        __slots__ = ("tracking_number",)
        TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
        tracking_number: str
        def __init__(self, tracking_number: _Optional[str] = ...) -> None: ...
    class InTransit(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Delivered(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Lost(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DISPATCHED_FIELD_NUMBER: _ClassVar[int]
    IN_TRANSIT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    LOST_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    shipment_id: str
    location: str
    note: str
    dispatched: PostTrackingUpdateRequest.Dispatched
    in_transit: PostTrackingUpdateRequest.InTransit
    delivered: PostTrackingUpdateRequest.Delivered
    lost: PostTrackingUpdateRequest.Lost
    def __init__(self, idempotency_key: _Optional[str] = ..., shipment_id: _Optional[str] = ..., location: _Optional[str] = ..., note: _Optional[str] = ..., dispatched: _Optional[_Union[PostTrackingUpdateRequest.Dispatched, _Mapping]] = ..., in_transit: _Optional[_Union[PostTrackingUpdateRequest.InTransit, _Mapping]] = ..., delivered: _Optional[_Union[PostTrackingUpdateRequest.Delivered, _Mapping]] = ..., lost: _Optional[_Union[PostTrackingUpdateRequest.Lost, _Mapping]] = ...) -> None: ...

class PostTrackingUpdateResponse(_message.Message):
    __slots__ = ("shipment",)
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: Shipment
    def __init__(self, shipment: _Optional[_Union[Shipment, _Mapping]] = ...) -> None: ...

class GetShipmentRequest(_message.Message):
    __slots__ = ("shipment_id",)
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    def __init__(self, shipment_id: _Optional[str] = ...) -> None: ...

class GetShipmentResponse(_message.Message):
    __slots__ = ("shipment",)
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: Shipment
    def __init__(self, shipment: _Optional[_Union[Shipment, _Mapping]] = ...) -> None: ...

class ListShipmentsRequest(_message.Message):
    __slots__ = ("statuses", "page_size", "page_token")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[ShipmentStatus]
    page_size: int
    page_token: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[ShipmentStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListShipmentsResponse(_message.Message):
    __slots__ = ("shipments", "next_page_token")
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shipments: _containers.RepeatedCompositeFieldContainer[ShipmentSummary]
    next_page_token: str
    def __init__(self, shipments: _Optional[_Iterable[_Union[ShipmentSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Destination(_message.Message):
    __slots__ = ("region", "city", "postal_code", "street_address", "recipient_name")
    REGION_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    STREET_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_NAME_FIELD_NUMBER: _ClassVar[int]
    region: str
    city: str
    postal_code: str
    street_address: str
    recipient_name: str
    def __init__(self, region: _Optional[str] = ..., city: _Optional[str] = ..., postal_code: _Optional[str] = ..., street_address: _Optional[str] = ..., recipient_name: _Optional[str] = ...) -> None: ...

class Parcel(_message.Message):
    __slots__ = ("weight_grams", "declared_value")
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    DECLARED_VALUE_FIELD_NUMBER: _ClassVar[int]
    weight_grams: int
    declared_value: _money_pb2.Money
    def __init__(self, weight_grams: _Optional[int] = ..., declared_value: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Shipment(_message.Message):
    __slots__ = ("shipment_id", "order_id", "seller_id", "buyer_id", "carrier_id", "status", "destination", "parcel", "tracking_number", "tracking", "version")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    PARCEL_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    seller_id: str
    buyer_id: str
    carrier_id: str
    status: ShipmentStatus
    destination: Destination
    parcel: Parcel
    tracking_number: str
    tracking: _containers.RepeatedCompositeFieldContainer[TrackingEvent]
    version: int
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., carrier_id: _Optional[str] = ..., status: _Optional[_Union[ShipmentStatus, str]] = ..., destination: _Optional[_Union[Destination, _Mapping]] = ..., parcel: _Optional[_Union[Parcel, _Mapping]] = ..., tracking_number: _Optional[str] = ..., tracking: _Optional[_Iterable[_Union[TrackingEvent, _Mapping]]] = ..., version: _Optional[int] = ...) -> None: ...

class TrackingEvent(_message.Message):
    __slots__ = ("status", "location", "note", "occurred_at")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    status: ShipmentStatus
    location: str
    note: str
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[_Union[ShipmentStatus, str]] = ..., location: _Optional[str] = ..., note: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShipmentSummary(_message.Message):
    __slots__ = ("shipment_id", "order_id", "status", "region", "weight_grams", "tracking_number", "transit_scans", "created_at", "updated_at", "version")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_GRAMS_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TRANSIT_SCANS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    status: ShipmentStatus
    region: str
    weight_grams: int
    tracking_number: str
    transit_scans: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., status: _Optional[_Union[ShipmentStatus, str]] = ..., region: _Optional[str] = ..., weight_grams: _Optional[int] = ..., tracking_number: _Optional[str] = ..., transit_scans: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...
