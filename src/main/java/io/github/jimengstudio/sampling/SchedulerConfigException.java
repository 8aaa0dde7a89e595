package io.github.jimengstudio.sampling;

import java.io.IOException;

/** A {@code scheduler_config.json} that is missing, malformed, or asks for something this scheduler does not do. */
public class SchedulerConfigException extends IOException {
    private static final long serialVersionUID = 1L;

    public SchedulerConfigException(String message) {
        super(message);
    }

    public SchedulerConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
