package dev.dreamdrop.routes;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.dreamdrop.api.ApiRequest;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingApi;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.apache.camel.builder.AdviceWith;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLHandshakeException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** routes/training-api.camel.yaml: one POST per call, judged; what the HTTP client throws, told apart. */
class TrainingApiRouteTest extends DreamDropRouteTest {

    private static final String PATH = "/api/v3/finetune_list";

    @Override
    protected Map<String, String> settings() {
        return Map.of("dreamdrop.api.timeout", "1s");
    }

    static Stream<Arguments> exceptionsOfTheHttpClient() {
        return Stream.of(
                Arguments.of(new HttpHostConnectException("Connect to 127.0.0.1:1 failed: Connection refused"),
                        ApiResult.Outcome.TRANSIENT),
                Arguments.of(new ConnectTimeoutException("Connect timed out"), ApiResult.Outcome.TRANSIENT),
                Arguments.of(new ConnectionRequestTimeoutException("Timeout waiting for connection from pool"),
                        ApiResult.Outcome.TRANSIENT),
                Arguments.of(new UnknownHostException("api.example"), ApiResult.Outcome.TRANSIENT),
                Arguments.of(new NoRouteToHostException("No route to host"), ApiResult.Outcome.TRANSIENT),
                Arguments.of(new SocketTimeoutException("Read timed out"), ApiResult.Outcome.UNKNOWN_OUTCOME),
                Arguments.of(new NoHttpResponseException("127.0.0.1:80 failed to respond"),
                        ApiResult.Outcome.UNKNOWN_OUTCOME),
                Arguments.of(new SocketException("Connection reset"), ApiResult.Outcome.UNKNOWN_OUTCOME),
                Arguments.of(new SSLHandshakeException("Remote host terminated the handshake"),
                        ApiResult.Outcome.UNKNOWN_OUTCOME));
    }

    @ParameterizedTest
    @MethodSource("exceptionsOfTheHttpClient")
    void eachExceptionOfTheHttpClientIsRetryableOrAnUnknownOutcomeAfterExactlyOneSend(Exception thrown,
                                                                                      ApiResult.Outcome expected)
            throws Exception {
        AtomicInteger sends = new AtomicInteger();
        AdviceWith.adviceWith(context, "call-the-training-api-once", route -> route.weaveById("post-to-the-training-api")
                .replace().process(exchange -> {
                    sends.incrementAndGet();
                    throw thrown;
                }));
        startDreamDrop();

        ApiResult result = call();

        assertEquals(expected, result.outcome(), result.message());
        assertEquals(1, sends.get(), "sent once, never again by the route");
        assertFalse(result.message().contains(RunningDreamDrop.API_KEY));
    }

    @Test
    void answersOfTheRealApiAreJudgedAfterOneRequestEach() {
        startDreamDrop();
        int before = sandbox.requests(PATH).size();

        assertEquals(ApiResult.Outcome.SUCCESS, call().outcome());
        // HttpClient would repeat a POST answered 503 or 429 by itself: it must not
        sandbox.failNextCalls(1, ResponseFault.SERVER_ERROR);
        assertEquals(ApiResult.Outcome.TRANSIENT, call().outcome());
        sandbox.retryAfterSeconds(1);
        sandbox.failNextCalls(1, ResponseFault.RATE_LIMITED);
        ApiResult limited = call();
        assertEquals(ApiResult.Outcome.TRANSIENT, limited.outcome());
        assertEquals(Duration.ofSeconds(1), limited.retryAfter());
        sandbox.failNextCalls(1, ResponseFault.ACCEPT_WITHOUT_ANSWER);
        assertEquals(ApiResult.Outcome.UNKNOWN_OUTCOME, call().outcome(), "sent, no answer");
        sandbox.latency(Duration.ofMillis(2500));
        ApiResult late = call();
        sandbox.latency(Duration.ZERO);
        assertEquals(ApiResult.Outcome.UNKNOWN_OUTCOME, late.outcome(), late.message());

        assertEquals(5, sandbox.requests(PATH).size() - before, "one request per call, no hidden retries");
        assertEquals(5.0, context.getRegistry().lookupByNameAndType("metricsRegistry",
                io.micrometer.core.instrument.MeterRegistry.class).find("dreamdrop.api.calls")
                .tag("endpoint", "finetune_list").timers().stream().mapToDouble(t -> t.count()).sum(),
                "every call measured under its outcome");
    }

    @Test
    void theKeyTravelsInTheBodyAndNowhereElse() {
        startDreamDrop();
        int before = sandbox.requests(PATH).size();

        call();

        var request = sandbox.requests(PATH).get(before);
        assertEquals("{\"key\":\"" + RunningDreamDrop.API_KEY + "\"}", request.body());
        assertFalse(request.path().contains(RunningDreamDrop.API_KEY));
    }

    private ApiResult call() {
        return template.requestBody(TrainingApi.CALL_ROUTE, new ApiRequest(PATH, JsonNodeFactory.instance.objectNode()),
                ApiResult.class);
    }
}
