"""What marketing keeps of other services' facts: publishers (identity) and products (catalog)."""

from __future__ import annotations

from mercato_marketing.application.ports import MarketingUnitOfWork
from mercato_marketing.domain import PromotedProduct, Publisher
from mercato_marketing.domain.commands import ListProduct, RegisterPublisher


async def register_publisher(command: RegisterPublisher, uow: MarketingUnitOfWork) -> None:
    await uow.publishers.put(Publisher(command.publisher_id, command.owner_account_id))


async def list_product(command: ListProduct, uow: MarketingUnitOfWork) -> None:
    attributes = dict(command.attribute_values)
    await uow.products.put(
        PromotedProduct(
            product_id=command.product_id,
            shop_id=command.shop_id,
            seller_id=command.seller_id,
            title=command.title,
            price=command.lowest_price,
            category=attributes.get("category", "").lower(),
            image_ref=attributes.get("image", ""),
            listed=command.listed,
            words=PromotedProduct.words_of(command.title, list(attributes.values())),
        )
    )
