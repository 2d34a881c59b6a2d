package dev.dreamdrop.intake;

import dev.dreamdrop.journal.Job;

import java.util.Map;

/** The set sources in use, by the name journalled with each job ({@code folder}, {@code s3}). */
public class SetSources {

    private final Map<String, SetSource> sources;

    public SetSources(Map<String, SetSource> sources) {
        this.sources = Map.copyOf(sources);
    }

    public SetSource of(Job job) {
        SetSource source = sources.get(job.source());
        if (source == null) {
            throw new IllegalStateException("job " + job.id() + " comes from " + job.source()
                    + ", which is not configured (dreamdrop.intake)");
        }
        return source;
    }
}
