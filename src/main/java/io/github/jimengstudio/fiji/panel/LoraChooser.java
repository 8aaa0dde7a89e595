package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.lora.LoraInfo;
import io.github.jimengstudio.pipeline.InvalidRequestException;
import io.github.jimengstudio.pipeline.LoraUse;
import java.awt.GridBagConstraints;
import java.awt.GridBagLayout;
import java.awt.Insets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.swing.JButton;
import javax.swing.JComboBox;
import javax.swing.JComponent;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JSpinner;
import javax.swing.SpinnerNumberModel;

/**
 * The style LoRAs: one row per LoRA, each a dropdown of the LoRA folder's files (or None) and its strength.
 * Usually there is one row, as a single dropdown; "+" adds a row to stack another LoRA, "−" removes that row. "↻"
 * scans the LoRA folder again. Each file is listed with its format, rank and trigger words; a file the model would
 * refuse (made for another model, shapes that do not fit) is listed greyed with why, so it is known before
 * Generate. Every method runs on the EDT.
 */
final class LoraChooser extends JPanel {
    private final List<Row> rows = new ArrayList<>();
    /** The names the folder offers, as last set (usable or not). */
    private List<String> available = List.of();
    /** Each name's line: format, rank, triggers; or why it is refused. */
    private Map<String, String> summaries = Map.of();
    /** Why a file would be refused, by name. */
    private Map<String, String> refusals = Map.of();
    final JButton refresh = small("↻", "Scan the LoRA folder again");
    final JButton add = small("+", "Stack another LoRA (each has its own strength)");
    private final Runnable rowsChanged;
    /** False while a generation runs: the rows, their buttons and rows added meanwhile are disabled. */
    private boolean idle = true;

    private final Consumer<String> chosen;

    /** @param rowsChanged told after a row was added or removed (the panel may need more room) */
    LoraChooser(Runnable rowsChanged) {
        this(rowsChanged, name -> { });
    }

    /**
     * @param rowsChanged told after a row was added or removed (the panel may need more room)
     * @param chosen      told the name a person picked in a row
     */
    LoraChooser(Runnable rowsChanged, Consumer<String> chosen) {
        super(new GridBagLayout());
        this.rowsChanged = rowsChanged;
        this.chosen = chosen;
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
        /** True while the list is refilled: those selections are not a person's pick. */
        private boolean offering;

        Row() {
            names.setToolTipText("A LoRA from the LoRA folder; switching needs no model reload");
            names.setRenderer(new javax.swing.DefaultListCellRenderer() {
                @Override
                public java.awt.Component getListCellRendererComponent(javax.swing.JList<?> list, Object value,
                        int index, boolean selected, boolean focus) {
                    String name = String.valueOf(value);
                    boolean refused = refusals.containsKey(name);
                    // the open list shows each file's line (format, rank, triggers, or why it is refused); the
                    // closed box only the name, which is what fits beside the strength
                    String text = index < 0 ? (refused ? name + " (refused)" : name)
                            : summaries.getOrDefault(name, name);
                    super.getListCellRendererComponent(list, text, index, selected, focus);
                    if (refused) {
                        setForeground(java.awt.Color.GRAY);
                    }
                    setToolTipText(summaries.get(name));
                    return this;
                }
            });
            names.addActionListener(e -> {
                if (!offering) {
                    chosen.accept(chosen());
                }
                names.setToolTipText(summaries.getOrDefault(chosen(),
                        "A LoRA from the LoRA folder; switching needs no model reload"));
            });
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
            offering = true;
            try {
                names.removeAllItems();
                names.addItem(PanelSettings.NO_LORA);
                available.forEach(names::addItem);
                if (!name.equals(PanelSettings.NO_LORA) && !available.contains(name)) {
                    names.addItem(name);
                }
                names.setSelectedItem(name);
            } finally {
                offering = false;
            }
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

    /** Lists the folder's files (see the class comment); each row keeps its choice while the folder has it. */
    void setLoras(List<LoraInfo> loras) {
        Map<String, String> lines = new HashMap<>();
        Map<String, String> refused = new HashMap<>();
        for (LoraInfo info : loras) {
            lines.put(info.name(), info.summary());
            if (!info.usable()) {
                refused.put(info.name(), info.problem());
            }
        }
        summaries = Map.copyOf(lines);
        refusals = Map.copyOf(refused);
        setNames(loras.stream().map(LoraInfo::name).toList());
    }

    /** Why {@code name} would be refused, or null when it is usable (or not a file of the folder). */
    String refusal(String name) {
        return refusals.get(name);
    }

    /** The line a file is shown with: format, rank, triggers, or why it is refused. */
    String summary(String name) {
        return summaries.get(name);
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
    /** What a person's pick of {@code name} in row {@code i} does (for tests: a dropdown pick through Swing). */
    void pick(int i, String name) {
        rows.get(i).names.setSelectedItem(name);
    }

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
