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

    /** The Turbo square, landscape and portrait 4:3, and a quick square. */
    public static final List<ImageSize> PRESETS = List.of(new ImageSize(1024, 1024), new ImageSize(1024, 768),
            new ImageSize(768, 1024), new ImageSize(512, 512));

    private static final Pattern W_BY_H = Pattern.compile("(\\d{1,6})\\s*[x×X*]\\s*(\\d{1,6})");

    /** {@code "1024 × 768"}. */
    public String label() {
        return width + " × " + height;
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
