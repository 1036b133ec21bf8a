"""Marketing's settings: the kit's ServiceSettings under the MARKETING_ prefix.

Durations are in seconds.

- `MARKETING_CLICK_SECRET` (required, at least 16 bytes): the HMAC key of click and
  attribution tokens. Every instance of one deployment shares it; changing it invalidates the
  tokens already served (their clicks are rejected as forged) and the attribution tokens in
  buyers' carts.
- `MARKETING_PUBLISHER_SHARE_BPS`: the publisher's share of each charge (default 5000 = 50%).
- `MARKETING_ATTRIBUTION_WINDOW`: how long after an accepted click an order is attributed to it
  (default 15 days).
- `MARKETING_DUPLICATE_WINDOW`: a second click of one visitor fingerprint on one campaign within
  this is a duplicate (default 1 hour).
- `MARKETING_CLICK_TOKEN_TTL`: how long a served ad's click token is valid (default 1 hour).
- `MARKETING_HTTP_ADDR`: where the click endpoint (GET /c/<token>, GET /healthz) listens
  (default 127.0.0.1:50156).
- `MARKETING_CLICK_BASE_URL`: the base of the ads' click URLs (default http://<http addr>).
- `MARKETING_PRODUCT_URL_TEMPLATE`: where a click redirects, `{product_id}` replaced
  (default https://mercato.example/products/{product_id}); `?mercato_attribution=` is added.
- `MARKETING_REGION_HEADER`: the request header the click endpoint reads the visitor's region
  from (ISO 3166, set by the edge proxy; default X-Visitor-Region).
- `MARKETING_CTR_PRIOR_BPS`, `MARKETING_CVR_PRIOR_BPS`, `MARKETING_PRIOR_WEIGHT`: the ranking's
  priors (click-through 2%, conversion 3%, worth 100 observations).
- `MARKETING_CATALOG_ADDR`: catalog's gRPC address, asked for products at launch (several
  instances: "a:1,b:2" or "dns:///catalog:50052", balanced round robin)
  (default 127.0.0.1:50052).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from mercato_kit.grpc import PeerAddress
from mercato_kit.runtime import ServiceSettings
from mercato_marketing.application import Policy
from mercato_marketing.domain import Priors

MIN_SECRET_BYTES = 16


def _host_port(value: str) -> str:
    host, separator, port = value.rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port, got {value!r}")
    return value


class MarketingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MARKETING_")

    grpc_addr: str = "127.0.0.1:50056"
    click_secret: SecretStr
    publisher_share_bps: int = Field(5000, ge=0, le=10_000)
    attribution_window: float = Field(15 * 24 * 3600, gt=0, le=365 * 24 * 3600)
    duplicate_window: float = Field(3600, ge=0, le=30 * 24 * 3600)
    click_token_ttl: float = Field(3600, gt=0, le=30 * 24 * 3600)
    http_addr: str = "127.0.0.1:50156"
    click_base_url: str = ""
    product_url_template: str = "https://mercato.example/products/{product_id}"
    region_header: str = Field("X-Visitor-Region", min_length=1, max_length=100)
    ctr_prior_bps: int = Field(200, ge=1, le=10_000)
    cvr_prior_bps: int = Field(300, ge=1, le=10_000)
    prior_weight: int = Field(100, ge=1, le=1_000_000)
    catalog_addr: PeerAddress = "127.0.0.1:50052"

    @field_validator("click_secret")
    @classmethod
    def _secret_is_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes")
        return value

    @field_validator("http_addr")
    @classmethod
    def _is_host_port(cls, value: str) -> str:
        return _host_port(value)

    @field_validator("click_base_url")
    @classmethod
    def _is_http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("product_url_template")
    @classmethod
    def _names_the_product(cls, value: str) -> str:
        if "{product_id}" not in value or not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL containing {product_id}")
        try:
            value.format(product_id="p")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError("may hold no placeholder but {product_id}") from error
        return value

    def secret(self) -> bytes:
        return self.click_secret.get_secret_value().encode()

    def base_url(self) -> str:
        return self.click_base_url or f"http://{self.http_addr}"

    def policy(self) -> Policy:
        return Policy(
            publisher_share_bps=self.publisher_share_bps,
            attribution_window=timedelta(seconds=self.attribution_window),
            duplicate_window=timedelta(seconds=self.duplicate_window),
            click_token_ttl=timedelta(seconds=self.click_token_ttl),
            click_base_url=self.base_url(),
            priors=Priors(
                ctr_bps=self.ctr_prior_bps, cvr_bps=self.cvr_prior_bps, weight=self.prior_weight
            ),
        )
