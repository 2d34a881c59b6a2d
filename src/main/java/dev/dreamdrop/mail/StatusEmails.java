package dev.dreamdrop.mail;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.intake.ContactSheets;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.Notification;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.samples.Sample;
import dev.dreamdrop.samples.SampleDocuments;
import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Builds the status emails: the data the templates in config/templates see (the README lists it), and the
 * MIME message itself, text and HTML with the photos as inline thumbnails. Addresses and the subject are
 * checked and cleaned here, so that nothing from a set (its name, its manifest) can add a header or a recipient.
 */
public class StatusEmails {

    private static final Logger LOG = LoggerFactory.getLogger(StatusEmails.class);
    private static final String CONTACT_SHEET_CID = "contact-sheet@dreamdrop";
    private static final Map<String, String> IN_WORDS = Map.ofEntries(
            Map.entry("claimed", "received"),
            Map.entry("submitting", "being submitted"),
            Map.entry("deploying_gpu", "waiting for a GPU"),
            Map.entry("training_started", "training started"),
            Map.entry("training_success", "training done"),
            Map.entry("trained_model_compressing", "compressing the model"),
            Map.entry("trained_model_uploading", "uploading the model"),
            Map.entry("trained_model_uploaded", "model uploaded"),
            Map.entry("deploying_model", "deploying the model"),
            Map.entry("model_ready", "your model is ready"),
            Map.entry("failed", "the training failed"),
            Map.entry("cancelled", "the training was cancelled"),
            Map.entry("timed_out", "the training did not finish in time"),
            Map.entry("rejected", "the set was rejected"),
            Map.entry("unknown_outcome", "the submission's outcome is unknown"));
    private static final Map<String, String> ADVICE = Map.of(
            "model_ready", "Generate more pictures with the model id below: model.json in the results says how.",
            "failed", "Read the reason below, fix the photos or the manifest, and drop the set into the inbox again.",
            "cancelled", "Nothing more will happen with this training. Drop the set again to train it anew.",
            "timed_out", "The training gave no news in time. Check the model list on the vendor's site before"
                    + " dropping the set again, so as not to pay twice.",
            "rejected", "Open errors.json in the set's folder under the failed folder, fix what it lists, and drop"
                    + " the set again.",
            "unknown_outcome", "The API may have started this training. Check the model list on the vendor's site"
                    + " before dropping the set again.");

    private final Journal journal;
    private final MailOutbox outbox;
    private final MailSettings settings;
    private final SampleDocuments samples;
    private final ContactSheets contactSheets;
    private final Session session = Session.getInstance(new Properties());

    public StatusEmails(Journal journal, MailOutbox outbox, MailSettings settings, SampleDocuments samples,
                        ContactSheets contactSheets) {
        this.journal = journal;
        this.outbox = outbox;
        this.settings = settings;
        this.samples = samples;
        this.contactSheets = contactSheets;
    }

    /** What the templates see for one queued email. */
    public Map<String, Object> model(long outboxId) {
        MailOutbox.MailTask task = outbox.task(outboxId);
        Job job = journal.find(task.jobId()).orElseThrow();
        Notification notification = journal.notification(job.id());
        String status = task.status();
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("set", job.setName());
        model.put("status", status);
        model.put("statusText", IN_WORDS.getOrDefault(status, status));
        model.put("step", TrainingStatus.step(status));
        model.put("steps", TrainingStatus.TRAINING_STEPS.size());
        model.put("jobId", job.id());
        model.put("trainingId", job.trainingId() == null ? "" : job.trainingId());
        model.put("created", job.createdAt().toString());
        model.put("updated", job.updatedAt().toString());
        model.put("results", settings.resultsDir().resolve(job.setName()).toString());
        model.put("reason", reason(job, status));
        model.put("advice", ADVICE.getOrDefault(status, ""));
        // what the photo check found is told once, in the set's first email, with the contact sheet
        boolean first = outbox.isFirstOfItsJob(task);
        model.put("photoWarnings", first ? journal.photoWarnings(job.id()).stream()
                .map(w -> w.file() == null ? w.warning() : w.file() + ": " + w.warning()).toList() : List.of());
        boolean sheet = first && contactSheets.find(job.id()).isPresent();
        model.put("contactSheet", sheet ? CONTACT_SHEET_CID : "");
        int thumbnails = sheet ? 0 : journal.thumbnails(job.id()).size();
        List<String> cids = new ArrayList<>();
        for (int i = 0; i < thumbnails; i++) {
            cids.add(thumbnailCid(i));
        }
        model.put("thumbnails", cids);
        putSamples(model, job, status);
        model.put("outboxId", outboxId);
        Set<String> recipients = new LinkedHashSet<>(notification.emails());
        recipients.addAll(settings.to());
        model.put("recipients", new ArrayList<>(recipients));
        return model;
    }

    /**
     * For a model_ready email: the samples ({@code samples}: cid, prompt, seed, file; only those stored with a
     * picture), what went wrong with the others ({@code samplesProblem}), and how to use the model ({@code modelId},
     * {@code generateMore}).
     */
    private void putSamples(Map<String, Object> model, Job job, String status) {
        List<Map<String, Object>> shown = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<Sample> planned = TrainingStatus.MODEL_READY.equals(status) ? samples.of(job.id()) : List.of();
        for (Sample sample : planned) {
            if (sample.isStored()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("ordinal", sample.ordinal());
                entry.put("cid", samples.preview(job.id(), sample.ordinal()).isPresent() ? sampleCid(sample.ordinal())
                        : "");
                entry.put("prompt", sample.prompt());
                entry.put("seed", String.valueOf(sample.seed()));
                entry.put("file", sample.path());
                shown.add(entry);
            } else {
                problems.add("sample " + sample.ordinal() + " (" + sample.prompt() + "): "
                        + (sample.error() == null ? sample.state() : sample.error()));
            }
        }
        model.put("samples", shown);
        model.put("samplesProblem", problems.isEmpty() ? "" : problems.size() + " of " + planned.size()
                + " sample image(s) could not be made: " + String.join("; ", problems));
        model.put("modelId", job.trainingId() == null ? "" : job.trainingId());
        model.put("generateMore", planned.isEmpty() ? "" : samples.howToGenerate(job, planned));
    }

    /** The email: multipart/alternative of the text and of the HTML with its inline thumbnails. */
    public MimeMessage message(Map<String, Object> model, String subject, String text, String html)
            throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(settings.from(), true));
        @SuppressWarnings("unchecked")
        List<String> recipients = (List<String>) model.get("recipients");
        for (String recipient : recipients) {
            try {
                message.addRecipient(MimeMessage.RecipientType.TO, safeAddress(recipient));
            } catch (AddressException e) {
                LOG.warn("Recipient '{}' of set {} skipped: {}", printable(recipient), printable((String) model.get("set")),
                        e.getMessage());
            }
        }
        if (message.getAllRecipients() == null) {
            throw new MessagingException("no valid recipient");
        }
        message.setSubject(singleLine(subject), StandardCharsets.UTF_8.name());
        message.setSentDate(new Date());

        MimeBodyPart textPart = new MimeBodyPart();
        textPart.setText(text, StandardCharsets.UTF_8.name());

        MimeMultipart related = new MimeMultipart("related");
        MimeBodyPart htmlPart = new MimeBodyPart();
        htmlPart.setText(html, StandardCharsets.UTF_8.name(), "html");
        related.addBodyPart(htmlPart);
        String jobId = (String) model.get("jobId");
        if (!((String) model.get("contactSheet")).isEmpty()) {
            related.addBodyPart(inline(contactSheets.find(jobId).orElseThrow(), CONTACT_SHEET_CID, "photos.jpg"));
        }
        @SuppressWarnings("unchecked")
        int shownThumbnails = ((List<String>) model.get("thumbnails")).size();
        List<byte[]> thumbnails = shownThumbnails == 0 ? List.of() : journal.thumbnails(jobId);
        for (int i = 0; i < thumbnails.size(); i++) {
            related.addBodyPart(inline(thumbnails.get(i), thumbnailCid(i), "photo-" + (i + 1) + ".jpg"));
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> shown = (List<Map<String, Object>>) model.get("samples");
        for (Map<String, Object> sample : shown) {
            String cid = (String) sample.get("cid");
            if (cid.isEmpty()) {
                continue;
            }
            int ordinal = (Integer) sample.get("ordinal");
            related.addBodyPart(inline(samples.preview(jobId, ordinal).orElseThrow(), cid,
                    String.format("sample-%02d.jpg", ordinal)));
        }
        MimeBodyPart htmlWithImages = new MimeBodyPart();
        htmlWithImages.setContent(related);

        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(textPart);
        alternative.addBodyPart(htmlWithImages);
        message.setContent(alternative);
        message.saveChanges();
        return message;
    }

    /** Keeps a message that could not be sent as a .eml file, for a person to read or to replay. */
    public Path park(long outboxId, Object message) {
        if (!(message instanceof MimeMessage mime)) {
            return null;
        }
        MailOutbox.MailTask task = outbox.task(outboxId);
        try {
            Files.createDirectories(settings.parkedDir());
            Path file = settings.parkedDir().resolve(task.jobId() + "-" + task.status() + ".eml");
            try (OutputStream out = Files.newOutputStream(file)) {
                mime.writeTo(out);
            }
            LOG.warn("Parked email written to {}; move it into the replay folder to send it again", file);
            return file;
        } catch (IOException | MessagingException e) {
            throw new UncheckedIOException(new IOException("cannot park email " + outboxId, e));
        }
    }

    /** Reads a parked .eml back for replay. */
    public MimeMessage read(InputStream eml) throws MessagingException {
        return new MimeMessage(session, eml);
    }

    private String reason(Job job, String status) {
        if (job.error() != null) {
            return job.error();
        }
        if (status.equals(TrainingStatus.FAILED)) {
            List<StatusChange> events = journal.events(job.id());
            for (int i = events.size() - 1; i >= 0; i--) {
                if (events.get(i).status().equals(TrainingStatus.FAILED) && events.get(i).detail() != null) {
                    return events.get(i).detail();
                }
            }
        }
        return "";
    }

    private static MimeBodyPart inline(byte[] jpeg, String cid, String fileName) throws MessagingException {
        MimeBodyPart image = new MimeBodyPart();
        image.setDataHandler(new DataHandler(new ByteArrayDataSource(jpeg, "image/jpeg")));
        image.setContentID("<" + cid + ">");
        image.setDisposition(MimeBodyPart.INLINE);
        image.setFileName(fileName);
        return image;
    }

    static String sampleCid(int ordinal) {
        return "sample-" + ordinal + "@dreamdrop";
    }

    static String thumbnailCid(int index) {
        return "photo-" + (index + 1) + "@dreamdrop";
    }

    /** One address, strictly parsed: no display-name tricks, no line breaks, no second address. */
    static InternetAddress safeAddress(String address) throws AddressException {
        if (address == null || address.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f || ch == ',' || ch == ';')) {
            throw new AddressException("not a single plain address");
        }
        InternetAddress parsed = new InternetAddress(address, true);
        parsed.validate();
        return parsed;
    }

    static String singleLine(String text) {
        String line = text.replaceAll("\\p{Cntrl}+", " ").trim();
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    private static String printable(String text) {
        return text == null ? "" : text.replaceAll("\\p{Cntrl}", "?");
    }
}
