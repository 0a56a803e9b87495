package foundryclient

import java.io.File
import java.util.concurrent.TimeUnit

/**
 * Runs a `main` of the test classes in a JVM of its own: for what a test JVM cannot undo once
 * done (a process without the OpenTelemetry API on its classpath, the core's telemetry set up
 * from `OTEL_*` variables that are read once per process).
 */
object ForkedJvm {
    /** The test classpath as Surefire sets it (its own `java.class.path` is a manifest-only jar). */
    private val testClassPath: List<String> =
        (System.getProperty("surefire.test.class.path") ?: System.getProperty("java.class.path"))
            .split(File.pathSeparator)
            .filter { it.isNotEmpty() }

    /**
     * Runs [mainClass] with [args] and [env] added to this process's environment, on the test
     * classpath less the entries [exclude] accepts; returns its stdout, or fails with its output
     * when it exits non-zero or takes more than two minutes.
     */
    fun run(
        mainClass: String,
        args: List<String> = emptyList(),
        env: Map<String, String> = emptyMap(),
        exclude: (String) -> Boolean = { false },
    ): String {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val classPath = testClassPath.filterNot(exclude).joinToString(File.pathSeparator)
        val builder = ProcessBuilder(listOf(java, "-cp", classPath, mainClass) + args)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
        builder.environment().putAll(env)
        val process = builder.start()
        val out = process.inputStream.bufferedReader().readText()
        check(process.waitFor(120, TimeUnit.SECONDS)) { "$mainClass did not exit; output: $out" }
        check(process.exitValue() == 0) { "$mainClass exited with ${process.exitValue()}; output: $out" }
        return out
    }
}
