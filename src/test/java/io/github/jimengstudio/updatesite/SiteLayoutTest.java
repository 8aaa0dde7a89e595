package io.github.jimengstudio.updatesite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.scijava.util.FileUtils;

class SiteLayoutTest {

    @Test
    void unversionedNamesAgreeWithTheUpdatersOwnRule() {
        String[] names = {
            "jars/jimeng-studio-0.1.0-SNAPSHOT.jar", "jars/jimeng-studio-0.2.0.jar", "jars/api-0.36.0.jar",
            "jars/pytorch-engine-0.36.0.jar", "jars/pytorch-jni-2.7.1-0.36.0.jar", "jars/tokenizers-0.36.0.jar",
            "jars/gson-2.10.1.jar", "jars/slf4j-api-2.0.17.jar", "jars/jimeng-studio.jar",
        };
        for (String name : names) {
            assertEquals(FileUtils.stripFilenameVersion(name), SiteLayout.unversioned(name), name);
        }
        assertEquals("jars/pytorch-jni.jar", SiteLayout.unversioned("jars/pytorch-jni-2.7.1-0.36.0.jar"));
        assertEquals("jars/jimeng-studio.jar", SiteLayout.unversioned("jars/jimeng-studio-0.1.0-SNAPSHOT.jar"));
        assertEquals("pytorch-native-cpu", SiteLayout.baseName("pytorch-native-cpu-2.7.1-linux-x86_64.jar"));
        assertEquals("api", SiteLayout.baseName("jars/api-0.36.0.jar"));
    }

    @Test
    void timestampsAreLocalDateAndTimeAsFourteenDigits() {
        ZonedDateTime t = ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 999_000_000, ZoneId.of("Asia/Shanghai"));
        assertEquals(20260102030405L, SiteLayout.timestamp(t));
        assertTrue(SiteLayout.isTimestamp(20260102030405L));
        assertTrue(SiteLayout.isTimestamp(SiteLayout.now()));
        assertFalse(SiteLayout.isTimestamp(20261302030405L), "month 13");
        assertFalse(SiteLayout.isTimestamp(20260230000000L), "30 February");
        assertFalse(SiteLayout.isTimestamp(2026010203040L), "13 digits");
        assertFalse(SiteLayout.isTimestamp(0));
    }

    @Test
    void eachVersionLiesOnTheServerUnderItsTimestamp() {
        assertEquals("jars/api-0.36.0.jar-20260102030405",
                SiteLayout.serverName("jars/api-0.36.0.jar", 20260102030405L));
    }
}
