package dev.dreamdrop.image;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Every place prepared images are published; a training that has ended has its images removed from all. */
public class HostedImages {

    private static final Logger LOG = LoggerFactory.getLogger(HostedImages.class);

    private final List<ImageHosting> hostings;

    public HostedImages(List<ImageHosting> hostings) {
        this.hostings = List.copyOf(hostings);
    }

    public void discard(String jobId) {
        for (ImageHosting hosting : hostings) {
            try {
                hosting.discard(jobId);
            } catch (RuntimeException e) {
                // the links expire anyway; a leftover copy is not worth failing the status change for
                LOG.warn("Prepared images of job {} could not be removed from {}: {}", jobId,
                        hosting.getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
