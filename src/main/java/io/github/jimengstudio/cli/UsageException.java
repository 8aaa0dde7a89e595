package io.github.jimengstudio.cli;

/** The command line was wrong; the message names the option and what to write instead. Exit status 2. */
public class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
