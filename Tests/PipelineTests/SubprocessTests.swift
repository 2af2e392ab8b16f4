import Foundation
import Pipeline
import Testing

struct SubprocessTests {
    @Test func statusAndBothOutputs() throws {
        let result = try Subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(result.status == 3)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
    }

    @Test func environmentIsAddedAndStdinIsEmpty() throws {
        let result = try Subprocess.run(["sh", "-c", "cat; echo \"$PIPE_SUBPROCESS_TEST\""],
                                        environment: ["PIPE_SUBPROCESS_TEST": "seen"])
        #expect(result.status == 0 && result.stdout == "seen\n")
    }

    @Test func signalAndMissingCommandAreReportedAsAShellWould() throws {
        #expect(try Subprocess.run(["sh", "-c", "kill -9 $$"]).status == 128 + 9)
        let missing = try Subprocess.run(["pipe-no-such-command"])
        #expect(missing.status == 127 && missing.stderr.contains("cannot run it"))
    }
}
