package dev.dreamdrop.sandbox;

/** Ways the sandbox can misdeliver webhooks, as real deliveries have been seen to. */
public enum WebhookFault {
    /** Not sent at all (recorded as dropped). */
    DROP,
    /** Held back and sent after the training's next delivery. */
    REORDER,
    /** Sent twice. */
    DUPLICATE,
    /** Sent with the legacy docs' trailing comma, which is not valid JSON. */
    LEGACY_TRAILING_COMMA
}
