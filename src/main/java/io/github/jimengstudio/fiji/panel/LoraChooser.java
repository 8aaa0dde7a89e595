package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.pipeline.LoraUse;
import java.awt.BorderLayout;
import java.util.List;
import javax.swing.JButton;
import javax.swing.JComboBox;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.SpinnerNumberModel;

/** The style LoRA: a dropdown of the LoRA folder's usable files (or None), its strength, and a rescan button. */
final class LoraChooser extends JPanel {
    private final JComboBox<String> names = new JComboBox<>(new String[] {PanelSettings.NO_LORA});
    private final JSpinner strength = new JSpinner(new SpinnerNumberModel(1.0, -LoraUse.MAX_ABS_STRENGTH,
            LoraUse.MAX_ABS_STRENGTH, 0.05));
    final JButton refresh = new JButton("↻");

    LoraChooser() {
        super(new BorderLayout(4, 0));
        names.setToolTipText("A LoRA from the LoRA folder; switching needs no model reload");
        strength.setToolTipText("LoRA strength (1.0 = full)");
        strength.setEditor(new JSpinner.NumberEditor(strength, "0.00"));
        refresh.setToolTipText("Scan the LoRA folder again");
        refresh.setMargin(new java.awt.Insets(1, 4, 1, 4));
        JPanel east = new JPanel(new BorderLayout(4, 0));
        east.add(strength, BorderLayout.CENTER);
        east.add(refresh, BorderLayout.EAST);
        add(new JLabel("LoRA"), BorderLayout.WEST);
        add(names, BorderLayout.CENTER);
        add(east, BorderLayout.EAST);
    }

    /** Replaces the list, keeping the current choice when it is still there. */
    void setNames(List<String> available) {
        Object chosen = names.getSelectedItem();
        names.removeAllItems();
        names.addItem(PanelSettings.NO_LORA);
        available.forEach(names::addItem);
        names.setSelectedItem(available.contains(chosen) ? chosen : PanelSettings.NO_LORA);
    }

    String selected() {
        Object s = names.getSelectedItem();
        return s == null ? PanelSettings.NO_LORA : s.toString();
    }

    double strength() {
        try {
            strength.commitEdit();
        } catch (java.text.ParseException e) {
            throw new io.github.jimengstudio.pipeline.InvalidRequestException("LoRA strength: type a number from -"
                    + LoraUse.MAX_ABS_STRENGTH + " to " + LoraUse.MAX_ABS_STRENGTH + " (1.0 = full).");
        }
        return ((Number) strength.getValue()).doubleValue();
    }

    /** Selects {@code name} (added to the list if the folder no longer has it: the engine will say so). */
    void select(String name, double value) {
        boolean listed = false;
        for (int i = 0; i < names.getItemCount(); i++) {
            listed |= names.getItemAt(i).equals(name);
        }
        if (!listed) {
            names.addItem(name);
        }
        names.setSelectedItem(name);
        strength.setValue(value);
    }

    void setEnabledWhileIdle(boolean idle) {
        names.setEnabled(idle);
        strength.setEnabled(idle);
        refresh.setEnabled(idle);
    }
}
