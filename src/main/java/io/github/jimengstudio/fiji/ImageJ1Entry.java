package io.github.jimengstudio.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import java.io.File;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.scijava.Context;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleService;

/**
 * The commands in a plain ImageJ 1.x, without Fiji's SciJava layer (imagej-legacy). ImageJ 1.x reads the menu
 * entries from the jar's {@code plugins.config} (it does so for a jar in {@code plugins/} whose name has an
 * underscore) and calls this with the command's class name. The very same SciJava command then runs, in a SciJava
 * context of our own, with its inputs taken from the macro's options ({@code key=value}, {@code key=[a value]}, IJ1
 * flags), so a macro line means the same here as in Fiji; a menu click shows an ImageJ 1.x dialog built from the
 * command's inputs, whose labels record as the same keys. In Fiji, imagej-legacy puts its own entry for each
 * SciJava command over the one with the same label, so this is never called there.
 */
public final class ImageJ1Entry implements PlugIn {
    private static Context context;

    /** The SciJava context of this ImageJ 1.x, made on first use (Fiji has one already and never calls this). */
    static synchronized Context context() {
        if (context == null) {
            context = new Context();
        }
        return context;
    }

    @Override
    public void run(String commandClass) {
        // ImageJ 1.x loads plugins/ jars in a class loader of its own; SciJava finds plugins (and its threads load
        // classes) through the thread's context class loader
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(ImageJ1Entry.class.getClassLoader());
        try {
            runCommand(commandClass);
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    private void runCommand(String commandClass) {
        Class<? extends Command> command = commandClass(commandClass);
        if (command == null) {
            IJ.error("Jimeng Studio", "Unknown command: " + commandClass);
            return;
        }
        CommandService commands = context().service(CommandService.class);
        CommandInfo info = commands.getCommand(command);
        String options = Macro.getOptions();
        Map<String, Object> inputs = new HashMap<>();
        if (options != null || IJ.isMacro()) {
            fromOptions(info, options, inputs);
        } else if (!fromDialog(info, inputs)) {
            return; // cancelled
        }
        for (ModuleItem<?> input : info.inputs()) {
            if (input.getType() == ImagePlus.class && !inputs.containsKey(input.getName())) {
                ImagePlus current = WindowManager.getCurrentImage(); // this is the macro's (or the menu's) thread
                if (current != null) {
                    inputs.put(input.getName(), current);
                }
            }
        }
        try {
            CommandModule module = commands.run(command, true, inputs).get();
            showOutputs(module);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            IJ.handleException(e.getCause());
        }
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends Command> commandClass(String name) {
        try {
            Class<?> c = Class.forName(ImageJ1Entry.class.getPackageName() + "." + name.strip());
            return JimengCommand.class.isAssignableFrom(c) ? (Class<? extends Command>) c : null;
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    /** The inputs the macro's options name, as text (SciJava converts them); the rest keep their defaults. */
    static void fromOptions(CommandInfo info, String options, Map<String, Object> inputs) {
        for (ModuleItem<?> input : userInputs(info)) {
            String name = input.getName();
            String value = options == null ? null : Macro.getValue(options, name, null);
            if (value != null) {
                inputs.put(name, value);
            } else if (input.getType() == boolean.class || input.getType() == Boolean.class) {
                inputs.put(name, MacroInputs.hasFlag(options, name));
            }
        }
    }

    /** How an input is asked for in an ImageJ 1.x dialog. */
    private enum Field { CHECKBOX, NUMBER, WHOLE_NUMBER, FOLDER, CHOICE, TEXT }

    private static Field fieldOf(ModuleItem<?> item) {
        Class<?> t = item.getType();
        if (t == boolean.class || t == Boolean.class) {
            return Field.CHECKBOX;
        }
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return Field.WHOLE_NUMBER;
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
            return Field.NUMBER;
        }
        if (t == File.class) {
            return Field.FOLDER;
        }
        return item.getChoices() != null && !item.getChoices().isEmpty() ? Field.CHOICE : Field.TEXT;
    }

    /**
     * An ImageJ 1.x dialog with one field per input, filled with the declared defaults or the values saved last
     * time. Each label's first word is the input's name, so the recorder writes the keys a macro uses.
     */
    private static boolean fromDialog(CommandInfo info, Map<String, Object> inputs) {
        ModuleService modules = context().service(ModuleService.class);
        Module defaults = modules.createModule(info);
        List<ModuleItem<?>> items = userInputs(info);
        GenericDialog gd = new GenericDialog("Jimeng Studio: " + info.getMenuPath().getLeaf().getName()
                .replace("...", ""));
        for (ModuleItem<?> item : items) {
            Object saved = modules.load(item);
            Object value = saved != null ? saved : item.getValue(defaults);
            String label = label(item);
            String text = value == null ? "" : value.toString();
            switch (fieldOf(item)) {
                case CHECKBOX -> gd.addCheckbox(label, Boolean.TRUE.equals(value));
                case WHOLE_NUMBER, NUMBER -> gd.addNumericField(label, value == null ? 0 : ((Number) value)
                        .doubleValue(), fieldOf(item) == Field.WHOLE_NUMBER ? 0 : 2);
                case FOLDER -> gd.addDirectoryField(label, text, 40);
                case CHOICE -> gd.addChoice(label, item.getChoices().stream().map(String::valueOf)
                        .toArray(String[]::new), value == null ? String.valueOf(item.getChoices().get(0)) : text);
                case TEXT -> gd.addStringField(label, text, 40);
            }
        }
        gd.showDialog();
        if (gd.wasCanceled()) {
            return false;
        }
        for (ModuleItem<?> item : items) {
            Object value = switch (fieldOf(item)) {
                case CHECKBOX -> gd.getNextBoolean();
                case WHOLE_NUMBER -> Long.toString(Math.round(gd.getNextNumber()));
                case NUMBER -> Double.toString(gd.getNextNumber());
                case CHOICE -> gd.getNextChoice();
                case FOLDER, TEXT -> gd.getNextString();
            };
            inputs.put(item.getName(), value);
        }
        return true;
    }

    /** "Lora_strength": the input's name, capitalised, so that ImageJ records it as the key "lora_strength". */
    private static String label(ModuleItem<?> item) {
        String n = item.getName();
        return n.substring(0, 1).toUpperCase(Locale.ROOT) + n.substring(1);
    }

    /** The inputs a person or a macro gives: not services, the context, or the image (the current one). */
    private static List<ModuleItem<?>> userInputs(CommandInfo info) {
        List<ModuleItem<?>> out = new java.util.ArrayList<>();
        for (ModuleItem<?> input : info.inputs()) {
            Class<?> t = input.getType();
            if (t == ImagePlus.class || org.scijava.service.Service.class.isAssignableFrom(t)
                    || t == Context.class) {
                continue;
            }
            out.add(input);
        }
        return out;
    }

    /** Outside a macro (a macro's image is shown by {@link MacroImageOutput}): images shown, texts logged. */
    private static void showOutputs(CommandModule module) {
        if (module.isCanceled()) {
            return; // the command said why
        }
        for (ModuleItem<?> output : module.getInfo().outputs()) {
            if (output.getIOType() != ItemIO.OUTPUT || module.isOutputResolved(output.getName())) {
                continue;
            }
            Object value = module.getOutput(output.getName());
            if (value instanceof ImagePlus imp) {
                imp.show();
            } else if (value instanceof String text && !text.isBlank()) {
                IJ.log(text);
            }
        }
    }
}
