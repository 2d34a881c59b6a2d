package dev.dreamdrop.submit;

import dev.dreamdrop.intake.TrainingSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FineTunePayloadTest {

    @Test
    void vendorFieldsInTheVendorsOrderWithNumbersAsStrings() {
        TrainingSettings settings = new TrainingSettings("photo of adhik person", "photo of person",
                "portraitplus-diffusion", "men", null, "0", List.of(), null);
        String json = FineTunePayload.build(settings, List.of("https://x/1.jpg", "https://x/2.jpg"),
                "https://dd/webhook/t").toString();
        assertEquals("{\"instance_prompt\":\"photo of adhik person\",\"class_prompt\":\"photo of person\","
                + "\"base_model_id\":\"portraitplus-diffusion\",\"images\":[\"https://x/1.jpg\",\"https://x/2.jpg\"],"
                + "\"seed\":\"0\",\"training_type\":\"men\",\"max_train_steps\":\"4\",\"webhook\":\"https://dd/webhook/t\"}",
                json);
    }

    @Test
    void stepsAreTwiceTheImagesCappedAt2000UnlessTheSetSays() {
        TrainingSettings none = new TrainingSettings("p", "c", "m", "men", null, null, List.of(), null);
        assertEquals(16, FineTunePayload.maxTrainSteps(none, 8));
        assertEquals(2000, FineTunePayload.maxTrainSteps(none, 1500));
        TrainingSettings asked = new TrainingSettings("p", "c", "m", "men", 700, null, List.of(), null);
        assertEquals(700, FineTunePayload.maxTrainSteps(asked, 8));
        assertEquals("null", FineTunePayload.build(none, Collections.nCopies(1, "u"), "w").get("seed").toString());
    }

    @Test
    void backoffGrowsIsCappedAndHonoursRetryAfter() {
        RetryPolicy policy = new RetryPolicy(6, Duration.ofSeconds(2), Duration.ofSeconds(60), 3);
        assertEquals(Duration.ofSeconds(2), policy.delayAfter(1, null));
        assertEquals(Duration.ofSeconds(8), policy.delayAfter(3, null));
        assertEquals(Duration.ofSeconds(60), policy.delayAfter(10, null));
        assertEquals(Duration.ofSeconds(30), policy.delayAfter(1, Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(4), policy.delayAfter(2, Duration.ofSeconds(1)));
    }
}
