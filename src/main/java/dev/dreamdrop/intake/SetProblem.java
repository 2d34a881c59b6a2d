package dev.dreamdrop.intake;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One thing wrong with a set, written to its {@code errors.json}: the file or manifest field it concerns,
 * and what to do about it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SetProblem(String file, String field, String message) {

    public static SetProblem ofFile(String file, String message) {
        return new SetProblem(file, null, message);
    }

    public static SetProblem ofField(String field, String message) {
        return new SetProblem(null, field, message);
    }

    public static SetProblem ofSet(String message) {
        return new SetProblem(null, null, message);
    }
}
