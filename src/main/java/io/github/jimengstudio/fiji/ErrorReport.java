package io.github.jimengstudio.fiji;

import java.awt.BorderLayout;
import java.awt.Component;
import java.awt.Dimension;
import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.List;
import javax.swing.JButton;
import javax.swing.JOptionPane;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JTextArea;
import javax.swing.SwingUtilities;
import javax.swing.UIManager;

/**
 * A failure as a person reads it: a short summary (the first sentence, at most {@value #SUMMARY_CHARS} characters)
 * and the whole text as details, both wrapped to fit a screen. Our messages can be long (a model search lists every
 * place it looked at); a dialog that shows them in one line runs off the screen, OK button and all.
 */
public final class ErrorReport {
    static final int SUMMARY_CHARS = 300;
    static final int COLUMNS = 80;

    private final String summary;
    private final String details;

    private ErrorReport(String summary, String details) {
        this.summary = summary;
        this.details = details;
    }

    /** The report of {@code error}: its message (its type when it has none) and, in the details, its causes. */
    public static ErrorReport of(Throwable error) {
        String message = messageOf(error);
        StringBuilder details = new StringBuilder(message);
        for (Throwable c = error.getCause(); c != null && c != error; c = c.getCause()) {
            String m = messageOf(c);
            if (!message.contains(m)) {
                details.append("\nCaused by: ").append(m);
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return new ErrorReport(summarize(message), details.toString());
    }

    /** The text users see for {@code error}: its message, or for an error without one (a StackOverflowError) a name. */
    public static String messageOf(Throwable error) {
        String m = error.getMessage();
        if (error instanceof OutOfMemoryError) {
            return "Out of memory" + (m == null || m.isBlank() ? "" : " (" + m + ")") + ": the Java heap is full. "
                    + "Close images you do not need, choose a smaller size, or give Fiji more memory "
                    + "(Edit > Options > Memory & Threads).";
        }
        if (error instanceof StackOverflowError) {
            return "The input is nested too deeply to read (" + error.getClass().getSimpleName() + ").";
        }
        return m == null || m.isBlank() ? error.getClass().getSimpleName() : m.strip();
    }

    /** The first sentence of {@code message} (or its first line), shortened to {@value #SUMMARY_CHARS} characters. */
    public static String summarize(String message) {
        String s = message.strip();
        int newline = s.indexOf('\n');
        if (newline > 0) {
            s = s.substring(0, newline).strip();
        }
        int sentence = firstSentenceEnd(s);
        if (sentence > 0) {
            s = s.substring(0, sentence);
        }
        if (s.length() > SUMMARY_CHARS) {
            s = s.substring(0, SUMMARY_CHARS - 1).strip() + "…";
        }
        return s;
    }

    private static int firstSentenceEnd(String s) {
        for (int i = 0; i + 1 < s.length(); i++) {
            char c = s.charAt(i);
            // ". " ends a sentence; "e.g. ", a menu item's "... " and a path's "." do not
            if ((c == '.' || c == '!' || c == '?') && s.charAt(i + 1) == ' ' && i >= 3 && s.charAt(i - 1) != '.'
                    && !s.regionMatches(true, i - 3, "e.g", 0, 3) && !s.regionMatches(true, i - 3, "i.e", 0, 3)) {
                return i + 1;
            }
        }
        return -1;
    }

    public String summary() {
        return summary;
    }

    public String details() {
        return details;
    }

    /** True when the details say more than the summary. */
    boolean hasDetails() {
        return !details.strip().equals(summary.strip());
    }

    /** {@code text} with line breaks so that no line is longer than {@code columns} (long words stay whole). */
    static String wrap(String text, int columns) {
        List<String> lines = new ArrayList<>();
        for (String paragraph : text.split("\n", -1)) {
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.split(" ")) {
                if (line.length() > 0 && line.length() + 1 + word.length() > columns) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                if (line.length() > 0) {
                    line.append(' ');
                }
                line.append(word);
            }
            lines.add(line.toString());
        }
        return String.join("\n", lines);
    }

    /** For ImageJ 1.x dialogs and the macro error: the summary, wrapped. */
    String wrappedSummary() {
        return wrap(summary, COLUMNS);
    }

    /**
     * Shows the report in a dialog that fits the screen: the summary, and a Details button that reveals the whole
     * text in a scrolling area. Off the event thread it waits until the dialog is closed.
     */
    void showDialog(Component parent, String title) {
        if (GraphicsEnvironment.isHeadless()) {
            return;
        }
        Runnable show = () -> JOptionPane.showMessageDialog(parent, content(), title, JOptionPane.ERROR_MESSAGE);
        if (SwingUtilities.isEventDispatchThread()) {
            show.run();
        } else {
            try {
                SwingUtilities.invokeAndWait(show);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** The dialog's content: the wrapped summary, and the details behind a button. */
    JPanel content() {
        JPanel panel = new JPanel(new BorderLayout(0, 8));
        JTextArea text = area(summary, 0);
        panel.add(text, BorderLayout.NORTH);
        if (hasDetails()) {
            JTextArea more = area(details, 0);
            JScrollPane scroll = new JScrollPane(more);
            scroll.setPreferredSize(new Dimension(560, 200));
            scroll.setVisible(false);
            JButton toggle = new JButton("Details");
            toggle.addActionListener(e -> {
                scroll.setVisible(!scroll.isVisible());
                toggle.setText(scroll.isVisible() ? "Hide details" : "Details");
                SwingUtilities.getWindowAncestor(panel).pack();
            });
            JPanel south = new JPanel(new BorderLayout(0, 4));
            JPanel buttonRow = new JPanel(new BorderLayout());
            buttonRow.add(toggle, BorderLayout.WEST);
            south.add(buttonRow, BorderLayout.NORTH);
            south.add(scroll, BorderLayout.CENTER);
            panel.add(south, BorderLayout.CENTER);
        }
        return panel;
    }

    private static JTextArea area(String s, int rows) {
        JTextArea a = new JTextArea(s, rows, 50);
        a.setEditable(false);
        a.setLineWrap(true);
        a.setWrapStyleWord(true);
        a.setOpaque(false);
        a.setFont(UIManager.getFont("Label.font"));
        a.setBorder(null);
        return a;
    }
}
