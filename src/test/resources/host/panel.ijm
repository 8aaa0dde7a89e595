// Host test (GUI): the Studio Panel opens docked below the ImageJ window, takes a typed prompt and generates a new
// image. The argument is a folder for screenshots and files. Nothing is printed before the prompt is typed: the Log
// window would open and take the keyboard.
out = getArgument();
run("Studio Panel");
// the window is made on the event thread: wait until it is shown and placed (a loaded machine takes a while)
windows = "";
for (i = 0; i < 80 && (indexOf(windows, "Jimeng Studio [") < 0 || indexOf(windows, "Jimeng Studio [javax.swing.JDialog] java.awt.Rectangle[x=0,y=0,") >= 0); i++) {
  wait(250);
  windows = call("fijicore.Probe.windows");
}
wait(1000);
windows = call("fijicore.Probe.windows");
call("fijicore.Probe.screenshot", out + "/panel-open.png");
// Xvfb has no window manager: the keyboard goes where the pointer is, so click into the prompt box first
id = split(exec("xdotool", "search", "--name", "^Jimeng Studio$"), "\n");
exec("xdotool", "mousemove", "--window", id[0], "200", "90", "click", "1");
wait(300);
exec("xdotool", "type", "--delay", "10", "a red fox in the snow, watercolor");
wait(500);
click = call("fijicore.Probe.click", "Jimeng Studio", "Generate");
for (i = 0; i < 240 && nImages == 0; i++) wait(250);
wait(1500);
call("fijicore.Probe.screenshot", out + "/panel-generated.png");
print("RESULT windows.begin");
print(windows);
print("RESULT windows.end");
print("RESULT click=" + click);
print("RESULT panel.images=" + nImages);
if (nImages > 0) {
  print("RESULT panel.title=" + getTitle());
  print("RESULT panel.prompt=" + Property.get("jimeng.prompt"));
}
// The menu: each command once (imagej-legacy puts the SciJava command over ImageJ 1.x's plugins.config entry of the
// same label), and ImageJ 1.x's command table runs the SciJava command.
print("RESULT menu.begin");
print(call("fijicore.Probe.menu", "Plugins>Jimeng Studio"));
print("RESULT menu.end");
print("RESULT generate.command=" + call("fijicore.Probe.command", "Generate Image..."));
