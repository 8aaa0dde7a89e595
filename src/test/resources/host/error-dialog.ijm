// Host test (GUI): a command run from the menu (no macro) that fails shows a dialog that fits the screen: a short
// summary and a Details button. Regenerate from Image on an image without provenance, its own dialog answered OK.
out = getArgument();
newImage("plain", "RGB black", 64, 64, 1);
call("fijicore.Probe.commandLater", "300", "Regenerate from Image");
call("fijicore.Probe.clickLater", "2500", "Regenerate from Image", "OK");
call("fijicore.Probe.screenshotLater", "5000", out + "/error-dialog.png");
