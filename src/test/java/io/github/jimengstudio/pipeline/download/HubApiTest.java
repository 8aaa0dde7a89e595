package io.github.jimengstudio.pipeline.download;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jimengstudio.pipeline.download.ModelDownloadException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HubApiTest {
    private final HubApi api = new HubApi(DownloadOptions.fromEnvironment(Map.of()));
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String SHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static String listing(String sibling) {
        return "{\"id\":\"a/b\",\"sha\":\"" + COMMIT + "\",\"siblings\":[" + sibling + "]}";
    }

    @Test
    void urlsHaveTheHubsForms() {
        assertEquals("https://huggingface.co/api/models/Tongyi-MAI/Z-Image-Turbo/revision/refs%2Fpr%2F3?blobs=true",
                api.listingUri("Tongyi-MAI/Z-Image-Turbo", "refs/pr/3").toString());
        assertEquals("https://huggingface.co/Tongyi-MAI/Z-Image-Turbo/resolve/" + COMMIT
                + "/text_encoder/model%20copy%2B1.safetensors",
                api.fileUri("Tongyi-MAI/Z-Image-Turbo", COMMIT, "text_encoder/model copy+1.safetensors").toString());
    }

    @Test
    void aListingGivesEachFilesChecksum() throws Exception {
        RepoListing l = api.parseListing("a/b", "main", listing(
                "{\"rfilename\":\"w.safetensors\",\"size\":3,\"blobId\":\"" + COMMIT + "\",\"lfs\":{\"sha256\":\"" + SHA
                        + "\",\"size\":3,\"pointerSize\":128}},"
                        + "{\"rfilename\":\"c/config.json\",\"size\":6,\"blobId\":\"ce013625030ba8dba906f756967f9e9ca394464a\"}"));
        assertEquals(COMMIT, l.commit());
        RepoFile w = l.files().get(0);
        assertTrue(w.lfs());
        assertEquals(SHA, w.etag());
        RepoFile c = l.files().get(1);
        assertNull(c.sha256());
        assertEquals("ce013625030ba8dba906f756967f9e9ca394464a", c.etag());
    }

    @Test
    void checksumsAreTheHubsEtags() {
        // sha256("abc") and `echo hello | git hash-object --stdin`, the published values.
        RepoFile lfs = new RepoFile("w.safetensors", 3, COMMIT, SHA);
        assertEquals(SHA, HexFormat.of().formatHex(lfs.newDigest().digest("abc".getBytes(StandardCharsets.US_ASCII))));
        RepoFile git = new RepoFile("hello.txt", 6, "ce013625030ba8dba906f756967f9e9ca394464a", null);
        assertEquals(git.etag(),
                HexFormat.of().formatHex(git.newDigest().digest("hello\n".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void aListingThatCouldWriteOutsideTheSnapshotIsRefused() {
        for (String bad : new String[] {"../outside", "/etc/passwd", "a/../../b", "a\\\\b", "C:/x", "a//b"}) {
            ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> api.parseListing("a/b", "main",
                    listing("{\"rfilename\":\"" + bad + "\",\"size\":1,\"blobId\":\"" + COMMIT + "\"}")), bad);
            assertEquals(Reason.PROTOCOL, e.reason());
            assertTrue(e.getMessage().contains("is not what the Hub sends"), e.getMessage());
        }
    }

    @Test
    void aListingWithoutCommitOrSizesIsRefused() {
        for (String json : new String[] {"[]", "{\"sha\":\"main\",\"siblings\":[]}", "{\"sha\":\"" + COMMIT + "\"}",
                listing("{\"rfilename\":\"a.json\",\"blobId\":\"" + COMMIT + "\"}"), "<html>"}) {
            ModelDownloadException e = assertThrows(ModelDownloadException.class,
                    () -> api.parseListing("a/b", "main", json), json);
            assertEquals(Reason.PROTOCOL, e.reason());
        }
    }

    @Test
    void aListingNestedTooDeepIsAProtocolErrorNotAStackOverflow() {
        String deep = "{\"sha\":\"" + COMMIT + "\",\"siblings\":" + "[".repeat(50_000) + "]".repeat(50_000) + "}";
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> api.parseListing("a/b", "main",
                deep));
        assertEquals(Reason.PROTOCOL, e.reason());
        assertTrue(e.getMessage().contains("nests JSON deeper than 64 levels"), e.getMessage());
    }
}
