// Host test (GUI), part 1 of 2: Generate Image run from the menu as a person runs it (outside any macro, so the
// recorder records it), its dialog answered with OK. The dialog shows the values of the last run (part 0 left a
// prompt and seed in the preferences). record-2.ijm reads what the recorder wrote.
out = getArgument();
run("Record...");
call("fijicore.Probe.commandLater", "500", "Generate Image...");
call("fijicore.Probe.screenshotLater", "3500", out + "/generate-dialog.png");
call("fijicore.Probe.clickLater", "4000", "Generate Image", "OK");
