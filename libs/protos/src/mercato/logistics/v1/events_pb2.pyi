import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from mercato.logistics.v1 import shipment_pb2 as _shipment_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShipmentCreated(_message.Message):
    __slots__ = ("order_id", "seller_id", "buyer_id", "carrier_id", "destination", "parcel", "created_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SELLER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    PARCEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    seller_id: str
    buyer_id: str
    carrier_id: str
    destination: _shipment_pb2.Destination
    parcel: _shipment_pb2.Parcel
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., seller_id: _Optional[str] = ..., buyer_id: _Optional[str] = ..., carrier_id: _Optional[str] = ..., destination: _Optional[_Union[_shipment_pb2.Destination, _Mapping]] = ..., parcel: _Optional[_Union[_shipment_pb2.Parcel, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShipmentDispatched(_message.Message):
    __slots__ = ("order_id", "carrier_id", "tracking_number", "location", "note", "dispatched_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DISPATCHED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    carrier_id: str
    tracking_number: str
    location: str
    note: str
    dispatched_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., carrier_id: _Optional[str] = ..., tracking_number: _Optional[str] = ..., location: _Optional[str] = ..., note: _Optional[str] = ..., dispatched_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShipmentInTransit(_message.Message):
    __slots__ = ("order_id", "carrier_id", "location", "note", "scanned_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    SCANNED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    carrier_id: str
    location: str
    note: str
    scanned_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., carrier_id: _Optional[str] = ..., location: _Optional[str] = ..., note: _Optional[str] = ..., scanned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShipmentDelivered(_message.Message):
    __slots__ = ("order_id", "carrier_id", "location", "note", "delivered_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    carrier_id: str
    location: str
    note: str
    delivered_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., carrier_id: _Optional[str] = ..., location: _Optional[str] = ..., note: _Optional[str] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShipmentLost(_message.Message):
    __slots__ = ("order_id", "carrier_id", "location", "note", "reported_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    carrier_id: str
    location: str
    note: str
    reported_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., carrier_id: _Optional[str] = ..., location: _Optional[str] = ..., note: _Optional[str] = ..., reported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShipmentCancelled(_message.Message):
    __slots__ = ("order_id", "shipment_id", "carrier_id", "reason", "cancelled_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    shipment_id: str
    carrier_id: str
    reason: str
    cancelled_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., shipment_id: _Optional[str] = ..., carrier_id: _Optional[str] = ..., reason: _Optional[str] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
