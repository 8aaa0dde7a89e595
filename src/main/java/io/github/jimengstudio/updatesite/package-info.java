/**
 * Build tooling, not a layer of the plugin: writes Jimeng Studio's Fiji update site in the format of Fiji's updater
 * (imagej-updater), so that {@code mvn package} leaves a site in {@code target/update-site} that is ready to upload.
 * Pure Java with no dependencies; nothing else in the project calls it, and it calls nothing else in the project.
 *
 * <h2>The format (fiji-notes §4)</h2>
 * <ul>
 * <li>{@link io.github.jimengstudio.updatesite.SiteDatabase}: {@code db.xml.gz}, one
 * {@link io.github.jimengstudio.updatesite.SiteRecord} per file: current version (timestamp, checksum, size,
 * description, dependencies, authors) and previous versions.</li>
 * <li>{@link io.github.jimengstudio.updatesite.UpdaterChecksum}: the updater's jar checksum, which hashes entry names
 * and contents, not the file.</li>
 * <li>{@link io.github.jimengstudio.updatesite.SiteLayout}: server file names {@code jars/x-1.0.jar-<timestamp>},
 * timestamps, version-less names.</li>
 * </ul>
 *
 * <h2>The build</h2>
 * {@link io.github.jimengstudio.updatesite.UpdateSiteBuilder} chooses the jars (ours and what Fiji lacks: jars that
 * Fiji's BOM pom-scijava manages are Fiji's own, see {@link io.github.jimengstudio.updatesite.FijiManagedArtifacts}),
 * finds their dependencies on each other from their bytecode ({@link io.github.jimengstudio.updatesite.JarClasses}),
 * and merges them into the existing site ({@link io.github.jimengstudio.updatesite.SiteUpdate}).
 */
package io.github.jimengstudio.updatesite;
