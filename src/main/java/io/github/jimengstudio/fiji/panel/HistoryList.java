package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.pipeline.GenerationRecord;
import io.github.jimengstudio.pipeline.GenerationRequest;
import io.github.jimengstudio.pipeline.LoraUse;
import java.awt.BorderLayout;
import java.awt.Component;
import java.awt.event.KeyEvent;
import java.awt.event.MouseAdapter;
import java.awt.event.MouseEvent;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.swing.AbstractAction;
import javax.swing.DefaultListCellRenderer;
import javax.swing.DefaultListModel;
import javax.swing.ImageIcon;
import javax.swing.JList;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.KeyStroke;
import javax.swing.ListSelectionModel;

/** Recent generations, newest on top; a click (or Enter) puts that generation's settings back into the controls. */
final class HistoryList extends JPanel {
    private final GenerationHistory history;
    private final DefaultListModel<GenerationHistory.Entry> model = new DefaultListModel<>();
    private final JList<GenerationHistory.Entry> list = new JList<>(model);
    private final Consumer<GenerationRecord> restore;

    HistoryList(GenerationHistory history, Consumer<GenerationRecord> restore) {
        super(new BorderLayout());
        this.history = history;
        this.restore = restore;
        list.setSelectionMode(ListSelectionModel.SINGLE_SELECTION);
        list.setVisibleRowCount(3); // with 48 px thumbnails; the list scrolls, and the window fits a 900 px screen
        list.setCellRenderer(new DefaultListCellRenderer() {
            @Override
            public Component getListCellRendererComponent(JList<?> l, Object value, int index, boolean selected,
                    boolean focus) {
                GenerationHistory.Entry entry = (GenerationHistory.Entry) value;
                GenerationRecord r = entry.record();
                super.getListCellRendererComponent(l, describe(r), index, selected, focus);
                setIcon(entry.thumbnail() == null ? null : new ImageIcon(entry.thumbnail()));
                setIconTextGap(6);
                setToolTipText(r.request().prompt());
                return this;
            }
        });
        list.addMouseListener(new MouseAdapter() {
            @Override
            public void mouseClicked(MouseEvent e) {
                int i = list.locationToIndex(e.getPoint());
                if (i >= 0 && list.getCellBounds(i, i).contains(e.getPoint())) {
                    restoreAt(i);
                }
            }
        });
        list.getInputMap().put(KeyStroke.getKeyStroke(KeyEvent.VK_ENTER, 0), "restore");
        list.getActionMap().put("restore", new AbstractAction() {
            @Override
            public void actionPerformed(java.awt.event.ActionEvent e) {
                GenerationHistory.Entry entry = list.getSelectedValue();
                if (entry != null) {
                    restore.accept(entry.record());
                }
            }
        });
        add(new JScrollPane(list), BorderLayout.CENTER);
        listEntries();
    }

    void add(GenerationRecord record) {
        add(record, null);
    }

    /** Adds a generation with its picture (for the thumbnail; may be null). */
    void add(GenerationRecord record, java.awt.image.BufferedImage image) {
        history.add(record, image);
        listEntries();
    }

    private void listEntries() {
        model.clear();
        history.entries().forEach(model::addElement);
    }

    /** Newest first, as listed. */
    java.util.List<GenerationRecord> records() {
        return history.records();
    }

    /** What a click on row {@code i} does. */
    void restoreAt(int i) {
        restore.accept(model.get(i).record());
    }

    /** Whether row {@code i} shows a thumbnail. */
    boolean hasThumbnail(int i) {
        return model.get(i).thumbnail() != null;
    }

    /** "seed 42 · 1024×1024 · 8 steps · ink:0.8 + pencil:1.0 · a red fox in the snow…" (LoRAs only when used). */
    static String describe(GenerationRecord r) {
        GenerationRequest q = r.request();
        String prompt = q.prompt().strip().replaceAll("\\s+", " ");
        if (prompt.length() > 40) {
            prompt = prompt.substring(0, 39) + "…";
        }
        String lora = q.loras().isEmpty() ? ""
                : " · " + q.loras().stream().map(LoraUse::toString).collect(Collectors.joining(" + "));
        return "seed " + q.seedString() + " · " + q.width() + "×" + q.height() + " · " + q.steps() + " steps" + lora
                + " · " + prompt;
    }
}
