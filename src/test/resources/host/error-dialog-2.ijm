// Host test (GUI), part 2: the error dialog's size, then Details and OK.
out = getArgument();
print("RESULT windows.begin");
print(call("fijicore.Probe.windows"));
print("RESULT windows.end");
print("RESULT details=" + call("fijicore.Probe.click", "Jimeng Studio", "Details"));
wait(800);
call("fijicore.Probe.screenshot", out + "/error-details.png");
print("RESULT ok=" + call("fijicore.Probe.click", "Jimeng Studio", "OK"));
