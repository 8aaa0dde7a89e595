package io.github.jimengstudio.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.macro.Interpreter;
import org.scijava.Priority;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.process.AbstractPostprocessorPlugin;
import org.scijava.module.process.PostprocessorPlugin;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.thread.ThreadService;

/**
 * The image a Jimeng Studio command makes is the macro's current image when {@code run(...)} returns, as with any
 * ImageJ 1.x command, in the GUI, in batch mode and headless. imagej-legacy would display an {@code ImagePlus}
 * output later on another thread (the macro's next line may still see the previous image), and headless only logs
 * it (the macro never gets it). So in a macro the image is shown here, on the command's own thread before the macro
 * continues, made current for the macro's thread, and marked as handled so that it is not displayed a second time.
 * Outside a macro the usual display (imagej-legacy, or nothing in a bare context) is left alone.
 */
@Plugin(type = PostprocessorPlugin.class, priority = Priority.LOW)
public class MacroImageOutput extends AbstractPostprocessorPlugin {

    @Parameter(required = false)
    private ThreadService threads;

    @Override
    public void process(Module module) {
        if (!JimengCommand.runsInMacro(module)) {
            return;
        }
        for (ModuleItem<?> output : module.getInfo().outputs()) {
            Object value = module.getOutput(output.getName());
            if (value instanceof ImagePlus && !module.isOutputResolved(output.getName())) {
                show((ImagePlus) value);
                module.resolveOutput(output.getName());
            }
        }
    }

    private void show(ImagePlus imp) {
        // In batch mode and headless, show() only adds the image to the macro's batch-mode images and makes it
        // current for this thread; the macro runs on the thread that started this command.
        imp.show();
        Thread macro = macroThread(threads);
        if (macro != null && (Interpreter.isBatchMode() || IJ.getInstance() == null)) {
            WindowManager.setTempCurrentImage(macro, imp);
        }
    }

    /** The thread that ran the macro's {@code run(...)} and waits for this command (null when not known). */
    static Thread macroThread(ThreadService threads) {
        Thread parent = threads == null ? null : threads.getParent(Thread.currentThread());
        return parent == Thread.currentThread() ? null : parent;
    }

    /**
     * The image {@code thread} works on in batch mode ({@code selectImage} sets it), or null. ImageJ 1.x keeps it in a
     * private table and offers a getter only for the calling thread; this reads it for the macro's thread.
     */
    static ImagePlus currentImageOf(Thread thread) {
        if (thread == null) {
            return null;
        }
        try {
            java.lang.reflect.Field f = WindowManager.class.getDeclaredField("tempImageTable");
            f.setAccessible(true);
            Object value = ((java.util.Map<?, ?>) f.get(null)).get(thread);
            return value instanceof ImagePlus ? (ImagePlus) value : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // another ImageJ 1.x: the command thread's own current image is used
        }
    }
}
