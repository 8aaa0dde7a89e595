package io.github.jimengstudio.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The options of one subcommand, read from {@code --name value}, {@code --name=value} and bare {@code --flag}
 * forms. Only declared options are accepted; an unknown one, a missing value or a stray word is a
 * {@link UsageException} naming it.
 */
final class Arguments {
    private final String command;
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    private Arguments(String command) {
        this.command = command;
    }

    /**
     * @param withValue options that take a value (may repeat; {@link #all} gives every occurrence)
     * @param flags     options that take none
     */
    static Arguments parse(String command, List<String> args, Set<String> withValue, Set<String> flags)
            throws UsageException {
        Arguments a = new Arguments(command);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                String single = arg.startsWith("-") && !arg.startsWith("--") ? Suggestion.hint("-" + arg, known(
                        withValue, flags)) : "";
                throw new UsageException("'" + arg + "' is not an option of '" + command + "'" + single + "; options"
                        + " start with -- (quote a prompt that has spaces: --prompt \"a red fox\").");
            }
            int eq = arg.indexOf('=');
            String name = eq > 0 ? arg.substring(0, eq) : arg;
            if (withValue.contains(name)) {
                String value;
                if (eq > 0) {
                    value = arg.substring(eq + 1);
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException(name + " needs a value.");
                }
                a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else if (flags.contains(name)) {
                if (eq > 0) {
                    throw new UsageException(name + " takes no value (remove '" + arg.substring(eq) + "').");
                }
                a.values.computeIfAbsent(name, k -> new ArrayList<>()).add("");
            } else {
                throw new UsageException("unknown option " + name + " for '" + command + "'"
                        + Suggestion.hint(name, known(withValue, flags)) + "; see 'jimeng " + command + " --help'.");
            }
        }
        return a;
    }

    private static Set<String> known(Set<String> withValue, Set<String> flags) {
        Set<String> all = new TreeSet<>(withValue);
        all.addAll(flags);
        return all;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value of a single-valued option, or null; given twice is an error. */
    String one(String name) throws UsageException {
        List<String> v = values.get(name);
        if (v == null) {
            return null;
        }
        if (v.size() > 1) {
            throw new UsageException(name + " is given " + v.size() + " times; give it once.");
        }
        return v.get(0);
    }

    /** Every value of a repeatable option, in order. */
    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    String command() {
        return command;
    }
}
