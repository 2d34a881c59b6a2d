package dev.dreamdrop.intake;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the sets of recent jobs were moved to, for a move that must be continued or undone soon after (a
 * retry, a failed submission). Bounded: a long-running DreamDrop forgets the oldest, which only the rare late
 * retry would miss, and then falls back to the plain location.
 */
public final class RecentMoves {

    private static final int MAX = 10_000;

    private RecentMoves() {
    }

    public static <V> Map<String, V> create() {
        return Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX;
            }
        });
    }
}
