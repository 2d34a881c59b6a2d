package dev.dreamdrop.sandbox;

/** Ways the sandbox can answer an API call instead of the normal answer. */
public enum ResponseFault {
    /** HTTP 503 with an error body. */
    SERVER_ERROR,
    /** HTTP 429 with {@code retry_after} in the body and a {@code Retry-After} header. */
    RATE_LIMITED,
    /** HTTP 200 with the vendor's spam-filter error body. */
    SPAM_FILTER,
    /** HTTP 200 with {@code {"status":"failed","message":"Failed, Try Again"}}. */
    FAILED_TRY_AGAIN,
    /** HTTP 200 with the vendor's permanent {@code Insufficient credits} error. */
    INSUFFICIENT_CREDITS,
    /** The call is carried out (a training starts) but the connection is cut before any response. */
    ACCEPT_WITHOUT_ANSWER
}
