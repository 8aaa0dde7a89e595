package io.github.jimengstudio.fiji.panel;

import io.github.jimengstudio.pipeline.InvalidRequestException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image size as the panel's size box shows and reads it: {@code "1024 × 768"} (width × height). The box offers
 * {@link #PRESETS} and takes any typed {@code W×H} ({@code x}, {@code X}, {@code *} work too); whether the numbers
 * are usable (multiples of 16, 64 to 4096) is the request's to say.
 */
public record ImageSize(int width, int height) {

    /**
     * The usual aspect ratios at about one megapixel (what Z-Image-Turbo was trained for), each side a multiple of
     * 16, and a quick square for trying prompts.
     */
    public static final List<ImageSize> PRESETS = List.of(new ImageSize(1024, 1024), new ImageSize(1152, 864),
            new ImageSize(864, 1152), new ImageSize(1248, 832), new ImageSize(832, 1248), new ImageSize(1360, 768),
            new ImageSize(768, 1360), new ImageSize(512, 512));
    private static final List<String> PRESET_RATIOS = List.of("1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16",
            "1:1, quick");

    /** Width × height, and an optional note in brackets (a preset's aspect ratio) that is not read. */
    private static final Pattern W_BY_H = Pattern.compile("(\\d{1,6})\\s*[x×X*]\\s*(\\d{1,6})\\s*(\\(.*\\))?");

    /** {@code "1024 × 768"}; a preset with its aspect ratio, {@code "1152 × 864 (4:3)"}. */
    public String label() {
        int preset = PRESETS.indexOf(this);
        return width + " × " + height + (preset < 0 ? "" : " (" + PRESET_RATIOS.get(preset) + ")");
    }

    @Override
    public String toString() {
        return label();
    }

    /** Reads {@code "1024 × 768"}, {@code "1024x768"}, {@code " 640 * 480 "}. */
    public static ImageSize parse(String text) {
        Matcher m = W_BY_H.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new InvalidRequestException("Size '" + (text == null ? "" : text.strip())
                    + "' is not width × height: choose a preset or type e.g. 832 x 1216.");
        }
        return new ImageSize(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }
}
