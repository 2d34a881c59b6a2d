package dev.dreamdrop.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every answer training-api.md lists, judged as it says. */
class TrainingApiAnswersTest {

    private final TrainingApiAnswers client = new TrainingApiAnswers("k", "http://127.0.0.1:1",
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry());

    private ApiResult judge(int http, String body) {
        return client.judge(http, body, null);
    }

    @Test
    void successIsReadFromTheBodyAndMessege() {
        ApiResult result = judge(200, "{\"status\": \"success\", \"messege\": \"deploying_gpu\", "
                + "\"data\": \"it will take upto 25 minutes.\", \"training_id\": \"F5jvdzGnYi\"}");
        assertEquals(ApiResult.Outcome.SUCCESS, result.outcome());
        assertEquals("deploying_gpu", result.message());
    }

    @Test
    void permanentErrorsComeWithHttp200() {
        assertEquals(ApiResult.Outcome.PERMANENT, judge(200, "{\"status\": \"error\", \"message\": \"Invalid Api Key\", "
                + "\"tip\": \"1. Make sure...\"}").outcome());
        assertEquals(ApiResult.Outcome.PERMANENT, judge(200,
                "{\"status\": \"error\", \"message\": \"Insufficient credits. Please add more credits to continue.\"}")
                .outcome());
        ApiResult validation = judge(200, "{\"status\": \"error\", \"messege\": {\"images\": "
                + "[\"The images field is required.\"], \"seed\": [\"a\", \"b\"]}}");
        assertEquals(ApiResult.Outcome.PERMANENT, validation.outcome());
        assertEquals("images: The images field is required.; seed: a b", validation.message());
        assertEquals(ApiResult.Outcome.PERMANENT, judge(401, "{\"status\": \"error\", \"message\": \"x\"}").outcome());
        assertEquals(ApiResult.Outcome.PERMANENT, judge(403, "forbidden").outcome());
    }

    @Test
    void rateLimitsAndServerErrorsAreTransientAndSayHowLongToWait() {
        ApiResult queued = judge(200, "{\"status\": \"error\", \"message\": "
                + "\"Rate limit exceeded. Maximum 5 queued requests allowed.\", \"retry_after\": 30}");
        assertEquals(ApiResult.Outcome.TRANSIENT, queued.outcome());
        assertEquals(Duration.ofSeconds(30), queued.retryAfter());
        assertEquals(ApiResult.Outcome.TRANSIENT, judge(200, "{\"status\": \"error\", \"message\": "
                + "\"Rate limit exceeded\", \"tips\": \"you are sending same request multiple times, spam filter is "
                + "enabled, please wait for 30 seconds and try again\"}").outcome());
        assertEquals(ApiResult.Outcome.TRANSIENT, judge(503, "<html>Bad gateway</html>").outcome());
        ApiResult header = client.judge(429, "", "12");
        assertEquals(ApiResult.Outcome.TRANSIENT, header.outcome());
        assertEquals(Duration.ofSeconds(12), header.retryAfter());
    }

    @Test
    void failedTryAgainIsItsOwnCase() {
        assertEquals(ApiResult.Outcome.FAILED_TRY_AGAIN, judge(200,
                "{\"status\": \"failed\", \"id\": \"\", \"message\": \"Failed, Try Again\", \"output\": \"\"}").outcome());
    }

    @Test
    void aSuccessfulHttpAnswerThatIsNotJsonLeavesTheOutcomeUnknown() {
        assertEquals(ApiResult.Outcome.UNKNOWN_OUTCOME, judge(200, "<html>maintenance</html>").outcome());
    }
}
