package dev.dreamdrop.intake;

import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.JournalException;
import dev.dreamdrop.journal.Sql;
import dev.dreamdrop.storage.ResultsFile;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The contact sheet of each set (table contact_sheets): made when its photos are prepared, stored in the results
 * ({@code photos.jpg}) once its training is submitted, shown in the first email and on the dashboard.
 */
public class ContactSheets {

    /** Its name in a job's results folder. */
    public static final String FILE = "photos.jpg";

    private final DataSource dataSource;
    private final Journal journal;

    public ContactSheets(DataSource dataSource, Journal journal) {
        this.dataSource = dataSource;
        this.journal = journal;
    }

    /** Keeps a job's sheet; preparing the set again replaces it. */
    void save(String jobId, byte[] jpeg) {
        delete(jobId);
        Sql.update(dataSource, "the contact sheet of job " + jobId, "INSERT INTO contact_sheets (job_id, jpeg) VALUES"
                + " (?, ?)", jobId, jpeg);
    }

    /** Forgets a job's sheet (its photos' retention ended). */
    public void delete(String jobId) {
        Sql.update(dataSource, "the contact sheet of job " + jobId, "DELETE FROM contact_sheets WHERE job_id = ?", jobId);
    }

    public Optional<byte[]> find(String jobId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT jpeg FROM contact_sheets WHERE job_id = ?")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the contact sheet of job " + jobId, e);
        }
    }

    /** The job's sheet as a file of its results, or null when it has none (a set rejected before preparation). */
    public ResultsFile resultsFile(String jobId) {
        Job job = journal.find(jobId).orElseThrow();
        return find(jobId).map(jpeg -> new ResultsFile(jobId, job.setName(), FILE, jpeg, "image/jpeg")).orElse(null);
    }
}
