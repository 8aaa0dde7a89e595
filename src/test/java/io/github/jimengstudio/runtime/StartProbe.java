package io.github.jimengstudio.runtime;

/**
 * Run in a child JVM by {@link EngineStartFailureTest}: starts the runtime twice under whatever settings the
 * parent gave and prints {@code STARTED <report>} or {@code REFUSED <exception class>: <message>} each time.
 */
public final class StartProbe {
    public static void main(String[] args) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                System.out.println("STARTED " + TorchRuntime.get().report());
            } catch (RuntimeException e) {
                System.out.println("REFUSED " + e.getClass().getName() + ": " + e.getMessage().replace('\n', ' '));
            }
        }
        System.out.flush();
        System.exit(0);
    }
}
