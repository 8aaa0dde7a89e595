// Host test: every Jimeng Studio command from an ImageJ 1.x macro, the way users write them. Run by HostMacrosIT in
// the GUI, in batch mode (-batch) and headless; the argument is a folder for the files it writes. Checks that need
// the golden pixels are made by the test from those files; RESULT lines report what the macro saw.
out = getArgument();
headless = (getInfo("java.awt.headless") == "true");
gui = (!headless && !is("batch mode"));
print("RESULT mode.batch=" + is("batch mode"));

// 1. Only some options, as README's example: the rest take their defaults, no dialog.
run("Generate Image...", "prompt=[a red fox in the snow, watercolor] width=256 height=256 steps=4 guidance=0 seed=42");
print("RESULT generate.images=" + nImages);
print("RESULT generate.title=" + getTitle());
print("RESULT generate.seed=" + Property.get("jimeng.seed"));
print("RESULT generate.memory_mode=" + Property.get("jimeng.memory_mode"));
fox = getTitle();
saveAs("PNG", out + "/generate.png");

// 2. Save with Provenance, then Regenerate (same pixels) and the flag form of new_seed (a variation).
run("Save with Provenance...", "image=[" + getTitle() + "] file=[" + out + "/saved.png]");
run("Regenerate from Image", "");
print("RESULT regenerate.seed=" + Property.get("jimeng.seed"));
saveAs("PNG", out + "/regenerate.png");
run("Regenerate from Image", "new_seed");
print("RESULT variation.seed=" + Property.get("jimeng.seed"));

// 3. A LoRA from the LoRA folder by name, at a strength (README-e2e case d).
run("Generate Image...", "prompt=[a red fox in the snow, watercolor] width=256 height=256 steps=4 seed=42 lora=fox-style lora_strength=0.8");
print("RESULT lora.record=" + Property.get("jimeng.loras"));
saveAs("PNG", out + "/lora.png");

// 4. In batch mode, with another image selected, the new image is the one the next line works on.
setBatchMode(true);
newImage("other", "8-bit black", 64, 64, 1);
promptB = replace(File.openAsString(out + "/prompt-b.txt"), "\n", ""); // openAsString ends each line with \n
run("Generate Image...", "prompt=[" + promptB + "] width=192 height=256 steps=3 seed=7");
print("RESULT batch.title=" + getTitle());
print("RESULT batch.size=" + getWidth() + "x" + getHeight());
saveAs("PNG", out + "/batch.png");
if (!headless) setBatchMode("exit and display");

// 5. The commands without an image.
app = call("java.lang.System.getProperty", "imagej.dir");
run("Set Model Folder...", "folder=[" + app + "/models/Z-Image-Turbo]");
run("Set LoRA Folder...", "folder=[" + app + "/lora]");
run("Refresh LoRAs");
run("Diagnostics");
run("Unload Model");
run("Cancel");
print("RESULT others=done");

// 6. A failure stops the macro with the message (GUI: ImageJ's macro error dialog, pressed OK by the probe).
if (gui) call("fijicore.Probe.clickLater", "2500", "Macro Error", "  OK  ");
run("Generate Image...", "prompt=[] width=256 height=256");
print("RESULT after_failure=reached");
