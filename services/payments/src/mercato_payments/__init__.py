"""Mercato's payments service: escrow per order, refunds, payouts, advertiser budgets.

What it does (the contract, with every message, is protos/mercato/payments/v1/payments.proto):
- CapturePayment charges the buyer through the payment provider and holds the order's total in
  escrow (PaymentCaptured, then ProcessingFeeCharged), or records the decline
  (PaymentDeclined). One payment per order: once captured, an order is never charged again,
  whatever the idempotency key; a charge that lost a race is voided at the provider.
- ReleaseEscrow moves what is left in escrow to the seller's payable, less commission at the
  shop tier's rate fixed on capture (EscrowReleased). Refused after a full refund.
- RefundPayment returns all or part of what is left in escrow to the buyer (RefundIssued),
  once per refund id, never more than is left.
- RunPayoutBatch pays sellers' whole payable balances out, in one currency, each seller once
  per batch (PayoutSent..., PayoutBatchClosed).
- DepositBudget charges an advertiser and credits their prepaid marketing budget
  (BudgetDeposited, then ProcessingFeeCharged); a declined deposit records nothing.
- ChargeAppSubscription (the app store, scope payments:app_store) charges a seller for one
  subscription period, once per charge id, and records the caller's split: the platform's
  share (revenue) and the vendor's (credited to its payable) must add up to the amount
  (AppCharged, then ProcessingFeeCharged; or AppChargeDeclined, answered as `charged` false).
  RefundAppCharge reverses part of the split once per refund id, never beyond the charge or
  either share (AppChargeRefunded). RunVendorPayoutBatch pays vendors' positive payables like
  RunPayoutBatch pays sellers' (VendorPaidOut..., VendorPayoutBatchClosed; the same PayoutRun);
  GetVendorPayable: the vendor itself, the app store, operators.

Money is integer minor units with a currency (`mercato_kit.money.Money`). Every split goes
through `Money.split`: the share (commission, processing fee) is rate x amount / 10000 rounded
down, and the remainder minor unit stays with the rest (the seller; the platform).

The simulated payment provider's test instruments (adapters/provider.py):
    4242424242424242  approved        4000000000000408  never answers: voided after the timeout
    4000000000000002  card declined   4000000000000119  processing error after a delay
    any other number  unknown instrument (declined)

Configuration (environment; besides the kit's, see mercato_kit.runtime.ServiceSettings):
    PAYMENTS_GRPC_ADDR                  default 127.0.0.1:50054
    PAYMENTS_COMMISSION_RATES           bps per shop tier, default standard=0,flagship=300
                                        (the seeds' tariff: small shops trade free)
    PAYMENTS_PROCESSING_FEE_BPS         the provider's fee on each charge, default 60 (0.6%)
    PAYMENTS_PROVIDER_TIMEOUT_MS        default 3000
    PAYMENTS_PROVIDER_FAILURE_DELAY_MS  the failing instrument's delay, default 1000

Layout:
    domain/        Payment (escrow per order), AppCharge, PayoutBatch and VendorPayoutBatch (one
                   PayoutRun), AdvertiserBudget; the tariff
    application/   handlers (load, decide, save, through the unit of work), the provider call
                   with its timeout, the ports
    adapters/      the translator (domain <-> protobuf), the unit of work (uow.payments,
                   .budgets, .payouts, .payables, .app_charges, .vendor_payouts,
                   .vendor_payables), the simulated provider, the payees' payables tables
                   (seller_payables, vendor_payables) and their migrations
    entrypoints/   the gRPC servicer, who may call what (access.py), main()
    bootstrap.py   the composition root; settings.py: PaymentsSettings
"""
