package io.github.jimengstudio.fiji;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import java.util.Locale;
import org.scijava.Priority;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.process.AbstractPreprocessorPlugin;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.thread.ThreadService;

/**
 * A Jimeng Studio command run from an ImageJ 1.x macro never stops at a dialog. imagej-legacy fills only the inputs
 * the macro's options name ({@code key=value}) and sends every other one to the input harvester, which in the GUI
 * is a dialog waiting for a person. Here, in a macro, each input the options leave out takes the default its command
 * declares (not the value remembered from the last dialog: a macro means the same on every machine), and a boolean
 * also accepts ImageJ 1.x's flag form ({@code "new_seed"} for {@code new_seed=true}). An input without a usable
 * default (the prompt) is left empty for the command, which refuses it with a message naming the key.
 *
 * <p>Runs after imagej-legacy's own macro preprocessor and the module's initializer, before saved values are loaded
 * and before the harvester. Outside a macro (a menu click, a script) it does nothing.
 */
@Plugin(type = PreprocessorPlugin.class, priority = Priority.LOW)
public class MacroInputs extends AbstractPreprocessorPlugin {

    @Parameter(required = false)
    private ThreadService threads;

    @Override
    public void process(Module module) {
        if (!JimengCommand.runsInMacro(module)) {
            return;
        }
        String options = Macro.getOptions();
        for (ModuleItem<?> input : module.getInfo().inputs()) {
            String name = input.getName();
            Class<?> type = input.getType();
            if (type == ImagePlus.class && (options == null || Macro.getValue(options, name, null) == null)) {
                useMacroImage(module, name);
                continue;
            }
            if (module.isInputResolved(name)) {
                continue;
            }
            if (type == boolean.class || type == Boolean.class) {
                module.setInput(name, hasFlag(options, name));
                module.resolveInput(name);
            } else if (isPlainValue(type)) {
                // the field's declared initial value is still in place: saved values are loaded after this
                module.resolveInput(name);
            }
            // other inputs (the active image) are filled by imagej-legacy's own preprocessors
        }
    }

    /**
     * The image input is the macro's current image. imagej-legacy fills it with the current image of the command's
     * own thread, which in batch mode is not the one the macro selected (an image opened before
     * {@code setBatchMode(true)} and then selected, for one).
     */
    private void useMacroImage(Module module, String name) {
        ImagePlus imp = MacroImageOutput.currentImageOf(MacroImageOutput.macroThread(threads));
        if (imp == null) {
            imp = WindowManager.getCurrentImage();
        }
        if (imp != null) {
            module.setInput(name, imp);
            module.resolveInput(name);
        }
    }

    private static boolean isPlainValue(Class<?> type) {
        return type.isPrimitive() || Number.class.isAssignableFrom(type) || type == String.class
                || type == java.io.File.class;
    }

    /**
     * True when {@code options} hold {@code key} as an ImageJ 1.x flag: the bare word, outside any bracketed value
     * (a prompt mentioning the word is not the flag). {@code key=...} forms were already handled by imagej-legacy.
     */
    static boolean hasFlag(String options, String key) {
        if (options == null) {
            return false;
        }
        StringBuilder outside = new StringBuilder(" ");
        int depth = 0;
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                outside.append(c);
            }
        }
        outside.append(' ');
        return outside.toString().toLowerCase(Locale.ROOT).contains(" " + key.toLowerCase(Locale.ROOT) + " ");
    }
}
