// Jimeng Studio example: one prompt and seed rendered with each LoRA in the LoRA folder, side by side in a stack
// (the first slice without a LoRA). Fiji's lora/ folder is used unless the argument names another: folder=[...]
// The argument may also change: prompt=[...] seed=N strength=S width=W height=H steps=N
args = getArgument();
app = call("java.lang.System.getProperty", "imagej.dir");
if (app == "") app = getDirectory("imagej");
folder = call("ij.Macro.getValue", args, "folder", app + File.separator + "lora");
prompt = call("ij.Macro.getValue", args, "prompt", "a red fox in the snow, watercolor");
seed = call("ij.Macro.getValue", args, "seed", "42");
strength = call("ij.Macro.getValue", args, "strength", "1.0");
size = "width=" + call("ij.Macro.getValue", args, "width", "1024") + " height="
    + call("ij.Macro.getValue", args, "height", "1024") + " steps=" + call("ij.Macro.getValue", args, "steps", "8");
if (!File.isDirectory(folder)) exit("No LoRA folder at " + folder + ": put .safetensors LoRAs there.");

setBatchMode(true);
run("Generate Image...", "prompt=[" + prompt + "] seed=" + seed + " " + size);
rename("LoRA: none");
files = getFileList(folder);
n = 0;
for (i = 0; i < files.length; i++) {
  if (!endsWith(files[i], ".safetensors")) continue;
  name = replace(files[i], ".safetensors", "");
  run("Generate Image...", "prompt=[" + prompt + "] seed=" + seed + " " + size + " lora=[" + name
      + "] lora_strength=" + strength);
  rename("LoRA: " + name);
  n++;
}
run("Images to Stack", "name=[Each LoRA] title=[LoRA: ] use");
setBatchMode("exit and display");
print("Each LoRA: " + n + " LoRA(s) from " + folder);
