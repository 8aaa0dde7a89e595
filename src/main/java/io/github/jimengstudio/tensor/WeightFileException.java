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
        super(compose(file, tensor, problem));
    }

    public WeightFileException(Path file, String tensor, String problem, Throwable cause) {
        super(compose(file, tensor, problem), cause);
    }

    private static String compose(Path file, String tensor, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<unknown file>" : file.toString());
        if (tensor != null) {
            sb.append(": tensor '").append(tensor).append('\'');
        }
        sb.append(": ").append(problem);
        return sb.toString();
    }
}
