// Host test (GUI), part 2 of 2: what the recorder recorded for the menu run of Generate Image.
out = getArgument();
for (i = 0; i < 120 && nImages == 0; i++) wait(250);
print("RESULT record.images=" + nImages);
rec = call("fijicore.Probe.recorderText");
lines = split(rec, "\n");
for (i = 0; i < lines.length; i++) if (indexOf(lines[i], "Generate Image") >= 0) print("RESULT recorded=" + lines[i]);
