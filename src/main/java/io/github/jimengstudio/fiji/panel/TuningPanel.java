package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.fiji.ComputeChoices;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.MemoryMode;
import io.github.jimengstudio.pipeline.Precision;
import java.awt.BorderLayout;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.text.ParseException;
import javax.swing.JCheckBox;
import javax.swing.JComboBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.JTextField;
import javax.swing.JToggleButton;
import javax.swing.SpinnerNumberModel;
import javax.swing.event.DocumentEvent;
import javax.swing.event.DocumentListener;

/**
 * The fold-out under the prompt: steps, guidance, the negative prompt (read only with guidance, which is why it
 * lives here and not beside the prompt), seed (locked, or the dice: a new one each run), size (a preset or a
 * typed W × H), memory mode and precision. Folded, it shows one line summing up the settings (the memory mode and
 * precision only when they are not the defaults).
 */
final class TuningPanel extends JPanel {
    private final JToggleButton fold = new JToggleButton();
    private final JPanel body = new JPanel(new GridBagLayout());
    private final JSpinner steps = new JSpinner(new SpinnerNumberModel(GenerationRequest.DEFAULT_STEPS, 1,
            GenerationRequest.MAX_STEPS, 1));
    private final JSpinner guidance = new JSpinner(new SpinnerNumberModel(0.0, 0.0,
            GenerationRequest.MAX_GUIDANCE, 0.5));
    private final JTextField negative = new JTextField(20);
    private final JCheckBox lock = new JCheckBox("Lock");
    private final JTextField seed = new JTextField(12);
    private final JComboBox<String> size = new JComboBox<>();
    private final JComboBox<String> memoryMode = new JComboBox<>(ComputeChoices.memoryModeLabels()
            .toArray(String[]::new));
    private final JComboBox<String> precision = new JComboBox<>(ComputeChoices.precisionLabels()
            .toArray(String[]::new));
    private final Runnable unfolded;

    /** @param unfolded told after the fold-out opened (the panel may need more room) */
    TuningPanel(Runnable unfolded) {
        super(new BorderLayout());
        this.unfolded = unfolded;
        fold.setName("settings");
        steps.setName("steps");
        size.setName("size");
        seed.setName("seed");
        negative.setName("negative");
        memoryMode.setName("memoryMode");
        precision.setName("precision");
        negative.getAccessibleContext().setAccessibleName("Negative prompt");
        negative.getDocument().addDocumentListener(new DocumentListener() {
            @Override
            public void insertUpdate(DocumentEvent e) {
                updateSummary();
            }

            @Override
            public void removeUpdate(DocumentEvent e) {
                updateSummary();
            }

            @Override
            public void changedUpdate(DocumentEvent e) {
                updateSummary();
            }
        });
        fold.setBorderPainted(false);
        fold.setContentAreaFilled(false);
        fold.setFocusPainted(false);
        fold.setHorizontalAlignment(JToggleButton.LEADING);
        fold.addActionListener(e -> {
            unfold(fold.isSelected());
            if (fold.isSelected()) {
                unfolded.run();
            }
        });
        ImageSize.PRESETS.forEach(p -> size.addItem(p.label()));
        size.setEditable(true);
        size.setToolTipText("A preset, or type width × height (multiples of 16, 64 to 4096)");
        lock.setToolTipText("Locked: this seed every run. Unlocked: a new random seed each run, shown afterwards.");
        lock.addActionListener(e -> seedLockChanged());
        steps.addChangeListener(e -> updateSummary());
        guidance.addChangeListener(e -> {
            negativeFollowsGuidance();
            updateSummary();
        });
        size.addActionListener(e -> updateSummary());
        seed.setToolTipText("0 to 18446744073709551615; the same seed and settings give the same image");
        memoryMode.setSelectedItem(ComputeChoices.label(ComputeChoices.DEFAULT_MEMORY_MODE));
        memoryMode.setToolTipText(ComputeChoices.MEMORY_MODE_HELP);
        memoryMode.addActionListener(e -> updateSummary());
        precision.setSelectedItem(ComputeChoices.label(ComputeChoices.DEFAULT_PRECISION));
        precision.setToolTipText(ComputeChoices.PRECISION_HELP);
        precision.addActionListener(e -> updateSummary());
        row(0, "Steps", steps);
        row(1, "Guidance", guidance);
        row(2, "Negative", negative);
        JPanel seedRow = new JPanel(new BorderLayout(4, 0));
        seedRow.add(seed, BorderLayout.CENTER);
        seedRow.add(lock, BorderLayout.EAST);
        row(3, "Seed", seedRow);
        row(4, "Size", size);
        row(5, "Memory mode", memoryMode);
        row(6, "Precision", precision);
        add(fold, BorderLayout.NORTH);
        add(body, BorderLayout.CENTER);
        seedLockChanged();
        negativeFollowsGuidance();
        unfold(false);
    }

    /** The model reads a negative prompt only with guidance above 0: the field says so instead of being ignored. */
    private void negativeFollowsGuidance() {
        boolean used = ((Number) guidance.getValue()).doubleValue() > 0;
        negative.setEnabled(used && guidance.isEnabled());
        negative.setToolTipText(used ? "What the picture should not show (makes each step about twice as slow)."
                : "Used only with guidance above 0: raise guidance to use a negative prompt.");
    }

    boolean negativeEnabled() {
        return negative.isEnabled();
    }

    private void row(int y, String label, JComponent field) {
        GridBagConstraints c = new GridBagConstraints();
        c.gridy = y;
        c.insets = new Insets(2, 4, 2, 4);
        c.anchor = GridBagConstraints.LINE_START;
        body.add(new JLabel(label), c);
        c.gridx = 1;
        c.weightx = 1;
        c.fill = GridBagConstraints.HORIZONTAL;
        body.add(field, c);
    }

    void unfold(boolean open) {
        fold.setSelected(open);
        body.setVisible(open);
        updateSummary();
        revalidate();
    }

    boolean isUnfolded() {
        return body.isVisible();
    }

    private void seedLockChanged() {
        seed.setEditable(lock.isSelected());
        updateSummary();
    }

    private void updateSummary() {
        String seedText = lock.isSelected() ? "seed " + seed.getText().strip() : "random seed";
        String settings = steps.getValue() + " steps, guidance " + guidance.getValue() + ", " + seedText + ", "
                + size.getEditor().getItem() + computeSummary() + negativeSummary();
        fold.setText((body.isVisible() ? "▾ " : "▸ ") + "Settings: " + settings);
        fold.setToolTipText(settings); // the panel's width may cut the line
    }

    /** The memory mode and precision, each only when it is not the default. */
    private String computeSummary() {
        String s = "";
        if (memoryMode() != ComputeChoices.DEFAULT_MEMORY_MODE) {
            s += ", memory mode " + ComputeChoices.label(memoryMode());
        }
        if (precision() != ComputeChoices.DEFAULT_PRECISION) {
            s += ", " + ComputeChoices.label(precision());
        }
        return s;
    }

    /** Folded, a negative prompt is out of sight: say that there is one, and when guidance 0 leaves it unread. */
    private String negativeSummary() {
        if (negative.getText().isBlank()) {
            return "";
        }
        return ((Number) guidance.getValue()).doubleValue() > 0 ? ", negative prompt"
                : ", negative prompt (unused at guidance 0)";
    }

    /** The folded line's text. */
    String summary() {
        return fold.getText();
    }

    /** Takes the spinners' typed text too, which Swing only commits on Enter or focus loss. */
    int steps() {
        commit(steps, "Steps: type a whole number from 1 to " + GenerationRequest.MAX_STEPS + ".");
        return ((Number) steps.getValue()).intValue();
    }

    double guidance() {
        commit(guidance, "Guidance: type a number from 0 to " + GenerationRequest.MAX_GUIDANCE
                + " (0 = none, the Turbo default).");
        return ((Number) guidance.getValue()).doubleValue();
    }

    private static void commit(JSpinner spinner, String problem) {
        try {
            spinner.commitEdit();
        } catch (ParseException e) {
            throw new InvalidRequestException(problem);
        }
    }

    String negativePrompt() {
        return negative.getText();
    }

    boolean seedLocked() {
        return lock.isSelected();
    }

    String seedText() {
        return seed.getText();
    }

    MemoryMode memoryMode() {
        return ComputeChoices.memoryMode((String) memoryMode.getSelectedItem());
    }

    Precision precision() {
        return ComputeChoices.precision((String) precision.getSelectedItem());
    }

    String sizeText() {
        Object typed = size.getEditor().getItem();
        return typed == null ? "" : typed.toString();
    }

    /** After a run with the dice: the seed it drew, so the user can lock it. */
    void showUsedSeed(String usedSeed) {
        if (!lock.isSelected()) {
            seed.setText(usedSeed);
        }
        updateSummary();
    }

    void restore(PanelSettings s) {
        steps.setValue(s.steps());
        guidance.setValue(s.guidance());
        negative.setText(s.negativePrompt());
        negative.setCaretPosition(0);
        lock.setSelected(s.seedLocked());
        seed.setText(s.seed());
        size.setSelectedItem(s.size());
        size.getEditor().setItem(s.size());
        memoryMode.setSelectedItem(ComputeChoices.label(s.memoryMode()));
        precision.setSelectedItem(ComputeChoices.label(s.precision()));
        seedLockChanged();
    }

    void setEnabledWhileIdle(boolean idle) {
        steps.setEnabled(idle);
        guidance.setEnabled(idle);
        negativeFollowsGuidance();
        lock.setEnabled(idle);
        seed.setEnabled(idle);
        size.setEnabled(idle);
        memoryMode.setEnabled(idle);
        precision.setEnabled(idle);
    }
}
