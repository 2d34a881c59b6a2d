package dev.dreamdrop.e2e;

import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.operate.OperatorApi;
import dev.dreamdrop.testing.RequiredTools;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in a real headless browser (Debian's chromium and chromedriver): the progress bar moves as the
 * training advances, and the cancel button cancels. Writes target/dashboard.png. A journal longer than a page shows
 * one page and loads only its rows' thumbnails; the rest comes on demand.
 */
class DashboardBrowserTest {

    @BeforeEach
    void needsChromium() {
        RequiredTools.assumeInstalled("the dashboard's browser test", RequiredTools.of("/usr/bin/chromium", "chromium",
                "/usr/bin/chromedriver", "chromium-driver"));
    }

    @TempDir
    Path data;

    @Test
    void theProgressBarMovesAndCancelWorks() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox)) {
            dreamDrop.dropSet("portrait-of-ada", 4, "instance_prompt: photo of sks person\n");
            dreamDrop.dropSet("portrait-of-bob", 3, "instance_prompt: photo of sks person\n");
            String trainingId = dreamDrop.awaitStatus("portrait-of-ada", "deploying_gpu").get("training_id").asText();
            String bobJob = dreamDrop.awaitStatus("portrait-of-bob", "deploying_gpu").get("job_id").asText();
            String adaJob = dreamDrop.status("portrait-of-ada").get("job_id").asText();

            WebDriver browser = chromium();
            try {
                browser.get(dreamDrop.managementUrl() + "/dashboard");
                By adaBar = By.cssSelector("tr[data-job='" + adaJob + "'] .bar");
                await().ignoreExceptions().atMost(Duration.ofSeconds(15)).until(() -> !browser.findElements(adaBar).isEmpty());
                await().ignoreExceptions().atMost(Duration.ofSeconds(5))
                        .until(() -> "1".equals(browser.findElement(adaBar).getAttribute("data-step")));
                String widthBefore = stable(() -> browser.findElement(adaBar).getCssValue("width"));

                sandbox.advance(trainingId);
                sandbox.advance(trainingId);
                sandbox.advance(trainingId);
                await().ignoreExceptions().atMost(Duration.ofSeconds(15)).until(() -> "4".equals(browser.findElement(adaBar).getAttribute("data-step")));
                await().ignoreExceptions().atMost(Duration.ofSeconds(5)).until(() -> !widthBefore.equals(browser.findElement(adaBar).getCssValue("width")));
                assertEquals(4, (int) stable(() -> browser.findElements(
                        By.cssSelector("tr[data-job='" + adaJob + "'] .thumbs img")).size()));

                By cancel = By.cssSelector("tr[data-job='" + bobJob + "'] button.cancel");
                assertTrue(stable(() -> browser.findElement(cancel).isEnabled()));
                stable(() -> {
                    browser.findElement(cancel).click();
                    return true;
                });
                By bobRow = By.cssSelector("tr[data-job='" + bobJob + "']");
                await().ignoreExceptions().atMost(Duration.ofSeconds(15)).until(() -> "cancelled".equals(browser.findElement(bobRow).getAttribute("data-status")));
                assertEquals("cancelled", dreamDrop.journal().find(bobJob).orElseThrow().status());

                stable(() -> {
                    browser.findElement(By.cssSelector("tr[data-job='" + adaJob + "'] button.toggle")).click();
                    return true;
                });
                await().ignoreExceptions().atMost(Duration.ofSeconds(10)).until(() -> browser.findElements(By.cssSelector(".history tr")).size() >= 4);
                Thread.sleep(500);
                File screenshot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
                Files.copy(screenshot.toPath(), Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
            } finally {
                browser.quit();
            }
        }
    }

    @Test
    void aReadyModelShowsItsSamplePicturesOnItsRow() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.samples.count", "4"))) {
            sandbox.generationTiming(Duration.ofMillis(200), Duration.ZERO);
            dreamDrop.dropSet("portrait-of-ada", 4, "instance_prompt: photo of sks person\ntraining_type: female\n");
            await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> dreamDrop.status("portrait-of-ada")
                    .path("samples")
                    .path(3).path("state").asText().equals("stored"));
            String job = dreamDrop.status("portrait-of-ada").get("job_id").asText();

            WebDriver browser = chromium();
            try {
                browser.get(dreamDrop.managementUrl() + "/dashboard");
                By pictures = By.cssSelector("tr[data-job='" + job + "'] img.sample");
                await().ignoreExceptions().atMost(Duration.ofSeconds(15)).until(() -> browser.findElements(pictures)
                        .size() == 4 && browser.findElements(pictures).stream().allMatch(img -> Integer.parseInt(
                        img.getAttribute("naturalWidth")) > 0));
                assertEquals("photo of sks person, close-up portrait, soft window light, 85mm photo, sharp focus",
                        stable(() -> browser.findElements(pictures).get(0).getAttribute("title")), "titled by its prompt");
                File screenshot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
                Files.copy(screenshot.toPath(), Path.of("target", "dashboard-samples.png"),
                        StandardCopyOption.REPLACE_EXISTING);
            } finally {
                browser.quit();
            }
        }
    }

    /** The page redraws itself every 2 s: an element found just before may be gone, so try again. */
    @Test
    void aLongJournalShowsOnePageWithItsThumbnailsAndTheRestOnDemand() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox)) {
            // 60 sets of two photos each, as earlier runs left them: more than a page
            byte[] thumbnail = TestPhotos.jpegBytes(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), false);
            for (int i = 0; i < 60; i++) {
                String id = dreamDrop.journal().claim("folder", String.format("earlier-%02d", i), "fp" + i)
                        .orElseThrow().id();
                dreamDrop.journal().markSubmitting(id, 2, "/api/v3/fine_tune", "{}");
                dreamDrop.journal().markSubmitted(id, "T" + i, "model_ready", "");
                dreamDrop.journal().storeThumbnails(id, List.of(thumbnail, thumbnail));
            }

            WebDriver browser = chromium();
            try {
                browser.get(dreamDrop.managementUrl() + "/dashboard");
                By rows = By.cssSelector("tr[data-job]");
                await().ignoreExceptions().atMost(Duration.ofSeconds(15)).until(() -> browser.findElements(rows).size()
                        == OperatorApi.PAGE);
                Thread.sleep(2_500);
                long thumbnails = (Long) ((JavascriptExecutor) browser).executeScript("return new Set(performance"
                        + ".getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/thumbnails/'))).size");
                assertEquals(2 * OperatorApi.PAGE, thumbnails, "the thumbnails of the rows shown, and no other");

                browser.findElement(By.id("more")).click();
                await().ignoreExceptions().atMost(Duration.ofSeconds(10)).until(() -> browser.findElements(rows).size()
                        == 60);
                assertTrue(!browser.findElement(By.id("more")).isDisplayed(), "nothing older");
            } finally {
                browser.quit();
            }
        }
    }

    private static <T> T stable(Supplier<T> read) {
        for (int attempt = 1; ; attempt++) {
            try {
                return read.get();
            } catch (StaleElementReferenceException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,720");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
