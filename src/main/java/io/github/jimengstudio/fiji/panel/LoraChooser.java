package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.LoraUse;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import javax.swing.JButton;
import javax.swing.JComboBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.SpinnerNumberModel;

/**
 * The style LoRAs: one row per LoRA, each a dropdown of the LoRA folder's usable files (or None) and its strength.
 * Usually there is one row, as a single dropdown; "+" adds a row to stack another LoRA, "−" removes that row. "↻"
 * scans the LoRA folder again. Every method runs on the EDT.
 */
final class LoraChooser extends JPanel {
    private final List<Row> rows = new ArrayList<>();
    /** The names the folder offers, as last set. */
    private List<String> available = List.of();
    final JButton refresh = small("↻", "Scan the LoRA folder again");
    final JButton add = small("+", "Stack another LoRA (each has its own strength)");
    private final Runnable rowsChanged;
    /** False while a generation runs: the rows, their buttons and rows added meanwhile are disabled. */
    private boolean idle = true;

    /** @param rowsChanged told after a row was added or removed (the panel may need more room) */
    LoraChooser(Runnable rowsChanged) {
        super(new GridBagLayout());
        this.rowsChanged = rowsChanged;
        add.setName("lora-add");
        add.addActionListener(e -> addRow());
        rows.add(new Row());
        layOut();
    }

    /** One LoRA: which, and how strongly. */
    private final class Row {
        final JComboBox<String> names = new JComboBox<>();
        final JSpinner strength = new JSpinner(new SpinnerNumberModel(1.0, -LoraUse.MAX_ABS_STRENGTH,
                LoraUse.MAX_ABS_STRENGTH, 0.05));
        final JButton remove = small("−", "Remove this LoRA");

        Row() {
            names.setToolTipText("A LoRA from the LoRA folder; switching needs no model reload");
            strength.setToolTipText("LoRA strength (1.0 = full)");
            strength.setEditor(new JSpinner.NumberEditor(strength, "0.00"));
            remove.addActionListener(e -> removeRow(rows.indexOf(this)));
            offer(PanelSettings.NO_LORA);
        }

        String chosen() {
            Object s = names.getSelectedItem();
            return s == null ? PanelSettings.NO_LORA : s.toString();
        }

        /** Lists the folder's names, with {@code name} selected (added to the list when the folder lacks it). */
        void offer(String name) {
            names.removeAllItems();
            names.addItem(PanelSettings.NO_LORA);
            available.forEach(names::addItem);
            if (!name.equals(PanelSettings.NO_LORA) && !available.contains(name)) {
                names.addItem(name);
            }
            names.setSelectedItem(name);
        }

        double strength() {
            try {
                strength.commitEdit();
            } catch (ParseException e) {
                throw new InvalidRequestException("LoRA strength: type a number from -" + LoraUse.MAX_ABS_STRENGTH
                        + " to " + LoraUse.MAX_ABS_STRENGTH + " (1.0 = full).");
            }
            return ((Number) strength.getValue()).doubleValue();
        }
    }

    private static JButton small(String text, String tip) {
        JButton b = new JButton(text);
        b.setToolTipText(tip);
        b.setMargin(new Insets(1, 4, 1, 4));
        return b;
    }

    /** Label, dropdown, strength, then "+" and "↻" on the first row and "−" on the others. */
    private void layOut() {
        removeAll();
        for (int y = 0; y < rows.size(); y++) {
            Row r = rows.get(y);
            r.remove.setName("lora-remove-" + y);
            cell(new JLabel(y == 0 ? "LoRA" : ""), 0, y, 0);
            cell(r.names, 1, y, 1);
            cell(r.strength, 2, y, 0);
            cell(y == 0 ? add : r.remove, 3, y, 0);
            if (y == 0) {
                cell(refresh, 4, y, 0);
            }
        }
        revalidate();
        repaint();
    }

    private void cell(JComponent c, int x, int y, double weight) {
        GridBagConstraints g = new GridBagConstraints();
        g.gridx = x;
        g.gridy = y;
        g.weightx = weight;
        g.fill = GridBagConstraints.HORIZONTAL;
        g.insets = new Insets(y == 0 ? 0 : 2, x == 0 ? 0 : 4, 0, 0);
        add(c, g);
    }

    void addRow() {
        rows.add(new Row());
        setEnabledWhileIdle(idle);
        layOut();
        rowsChanged.run();
    }

    /** Removes row {@code i} (not the first: one row always stays, set to None when no LoRA is wanted). */
    void removeRow(int i) {
        if (i < 1 || i >= rows.size()) {
            return;
        }
        rows.remove(i);
        layOut();
        rowsChanged.run();
    }

    int rowCount() {
        return rows.size();
    }

    /** The "−" of row {@code i} (the first row has none; its button is "+"). */
    JButton removeButton(int i) {
        return rows.get(i).remove;
    }

    /** Replaces the folder's names; each row keeps its choice while the folder still has it, else becomes None. */
    void setNames(List<String> names) {
        available = List.copyOf(names);
        for (Row r : rows) {
            String chosen = r.chosen();
            r.offer(available.contains(chosen) ? chosen : PanelSettings.NO_LORA);
        }
    }

    /**
     * The chosen LoRAs in row order; rows left at None add nothing.
     *
     * @throws InvalidRequestException when a strength is not a number
     */
    List<LoraUse> choices() {
        List<LoraUse> chosen = new ArrayList<>();
        for (Row r : rows) {
            if (!r.chosen().equals(PanelSettings.NO_LORA)) {
                chosen.add(new LoraUse(r.chosen(), r.strength()));
            }
        }
        return chosen;
    }

    /**
     * Shows {@code loras}, one row each (one row at None when the list is empty). A name the folder no longer has
     * is shown all the same (see {@link #notInFolder}): the engine will say so.
     */
    void select(List<LoraUse> loras) {
        int wanted = Math.max(1, loras.size());
        boolean changed = wanted != rows.size();
        while (rows.size() > wanted) {
            rows.remove(rows.size() - 1);
        }
        while (rows.size() < wanted) {
            rows.add(new Row());
        }
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            r.offer(i < loras.size() ? loras.get(i).name() : PanelSettings.NO_LORA);
            r.strength.setValue(i < loras.size() ? loras.get(i).strength() : 1.0);
        }
        setEnabledWhileIdle(idle);
        if (changed) {
            layOut();
            rowsChanged.run();
        }
    }

    /**
     * The names among {@code loras} that the folder's list lacks, in any case (the engine finds a LoRA whatever its
     * case): a record restored from another folder or machine.
     */
    List<String> notInFolder(List<LoraUse> loras) {
        return loras.stream().map(LoraUse::name)
                .filter(n -> available.stream().noneMatch(n::equalsIgnoreCase)).toList();
    }

    void setEnabledWhileIdle(boolean idle) {
        this.idle = idle;
        for (Row r : rows) {
            r.names.setEnabled(idle);
            r.strength.setEnabled(idle);
            r.remove.setEnabled(idle);
        }
        add.setEnabled(idle);
        refresh.setEnabled(idle);
    }
}
