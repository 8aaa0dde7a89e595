package io.github.jimengstudio.fiji.panel;

import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.awt.Insets;
import java.awt.RenderingHints;
import java.awt.event.ActionEvent;
import java.awt.event.InputEvent;
import java.awt.event.KeyEvent;
import javax.swing.AbstractAction;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JTextArea;
import javax.swing.KeyStroke;
import javax.swing.UIManager;

/**
 * The prompt: a wrapping text area with a grey hint while empty. Ctrl+Enter (Cmd+Enter on a Mac) submits; typing
 * itself never starts any work.
 */
final class PromptBox extends JPanel {
    static final String PLACEHOLDER = "Describe the picture… (Ctrl+Enter generates)";
    static final String SUBMIT = "jimeng.submit";
    static final KeyStroke CTRL_ENTER = KeyStroke.getKeyStroke(KeyEvent.VK_ENTER, InputEvent.CTRL_DOWN_MASK);
    static final KeyStroke META_ENTER = KeyStroke.getKeyStroke(KeyEvent.VK_ENTER, InputEvent.META_DOWN_MASK);

    private final JTextArea text = new JTextArea(4, 30) {
        @Override
        protected void paintComponent(Graphics g) {
            super.paintComponent(g);
            if (getText().isEmpty()) {
                Graphics2D g2 = (Graphics2D) g.create();
                g2.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                Color hint = UIManager.getColor("TextField.inactiveForeground");
                g2.setColor(hint != null ? hint : Color.GRAY);
                Insets in = getInsets();
                g2.drawString(PLACEHOLDER, in.left + 2, in.top + g2.getFontMetrics().getAscent());
                g2.dispose();
            }
        }
    };

    PromptBox(Runnable submit) {
        super(new BorderLayout());
        text.setName("prompt");
        text.setLineWrap(true);
        text.setWrapStyleWord(true);
        text.getAccessibleContext().setAccessibleName("Prompt");
        text.getInputMap().put(CTRL_ENTER, SUBMIT);
        text.getInputMap().put(META_ENTER, SUBMIT);
        text.getActionMap().put(SUBMIT, new AbstractAction() {
            @Override
            public void actionPerformed(ActionEvent e) {
                submit.run();
            }
        });
        add(new JScrollPane(text), BorderLayout.CENTER);
    }

    String text() {
        return text.getText();
    }

    void setText(String prompt) {
        text.setText(prompt);
        text.setCaretPosition(0);
    }

    JTextArea area() {
        return text;
    }
}
