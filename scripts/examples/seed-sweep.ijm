// Jimeng Studio example: one prompt, several seeds, one stack (a slice per seed, labelled with it).
// Run it from Plugins > Macros > Run..., or headless:  ImageJ-linux64 --headless -macro seed-sweep.ijm "seeds=8"
// The argument may change any of: prompt=[...] seeds=N first=SEED width=W height=H steps=N
args = getArgument();
prompt = call("ij.Macro.getValue", args, "prompt", "a red fox in the snow, watercolor");
seeds = parseInt(call("ij.Macro.getValue", args, "seeds", "4"));
first = parseInt(call("ij.Macro.getValue", args, "first", "1"));
width = call("ij.Macro.getValue", args, "width", "1024");
height = call("ij.Macro.getValue", args, "height", "1024");
steps = call("ij.Macro.getValue", args, "steps", "8");

setBatchMode(true);
for (i = 0; i < seeds; i++) {
  seed = first + i;
  run("Generate Image...", "prompt=[" + prompt + "] width=" + width + " height=" + height + " steps=" + steps
      + " seed=" + seed);
  rename("seed " + seed);
}
// every image titled "seed N" becomes a slice, in the order made, its title as the slice label
run("Images to Stack", "name=[Seed sweep] title=[seed ] use");
setBatchMode("exit and display");
print("Seed sweep: " + nSlices + " seeds from " + first + " of \"" + prompt + "\"");
