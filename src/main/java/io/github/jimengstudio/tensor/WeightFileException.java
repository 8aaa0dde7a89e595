package io.github.jimengstudio.tensor;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weight file that cannot be used. The message always names the file, the tensor when there is one, and the
 * problem, so the user knows which download to repeat or which file to replace.
 */
public class WeightFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public WeightFileException(Path file, String tensor, String problem) {
        super(compose(file == null ? null : file.toString(), tensor, problem));
    }

    public WeightFileException(Path file, String tensor, String problem, Throwable cause) {
        super(compose(file == null ? null : file.toString(), tensor, problem), cause);
    }

    /** For sources that are not one file (a sharded checkpoint, a renamed view): {@code origin} says where. */
    public WeightFileException(String origin, String tensor, String problem) {
        super(compose(origin, tensor, problem));
    }

    private static String compose(String origin, String tensor, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(origin == null ? "<unknown file>" : origin);
        if (tensor != null) {
            sb.append(": tensor '").append(tensor).append('\'');
        }
        sb.append(": ").append(problem);
        return sb.toString();
    }
}
