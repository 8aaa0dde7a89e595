// Jimeng Studio example: variations of the active image. Each is the image's own prompt, size, steps, guidance and
// LoRAs with a new random seed (recorded in the new image, so a variation you like can be regenerated exactly).
// The argument may give the number of variations: count=N (default 3).
count = parseInt(call("ij.Macro.getValue", getArgument(), "count", "3"));
if (nImages == 0) exit("Open or generate an image made by Jimeng Studio first.");
source = getImageID();
for (i = 0; i < count; i++) {
  selectImage(source);
  run("Regenerate from Image", "new_seed");
  print("Variation " + (i + 1) + ": seed " + Property.get("jimeng.seed"));
}
