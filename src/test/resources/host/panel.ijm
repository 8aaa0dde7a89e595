// Host test (GUI): the Studio Panel opens docked below the ImageJ window, takes a typed prompt and generates a new
// image. The argument is a folder for screenshots and files. Nothing is printed before the prompt is typed: the Log
// window would open and take the keyboard.
out = getArgument();
run("Studio Panel");
wait(2500);
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
