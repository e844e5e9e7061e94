import ArgumentParser
import SRTClient
import SRTData
import SRTModel
import SRTOCI
import SRTRegistry
import SRTTokenizer
import SRTTraining

import Foundation

/// The one place where library errors become messages and exit codes (sysexits.h values, so
/// scripts can tell bad input from a missing file from a bug).
enum Failure {
    static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case let e as DataError:
            switch e.kind {
            case .notFound, .missingItemFile: return 66  // EX_NOINPUT
            case .badOption: return 64  // EX_USAGE
            default: return 65  // EX_DATAERR
            }
        case let e as TrainingError:
            if case .badOption = e { return 64 }  // EX_USAGE
            if case .cannotWrite = e { return 73 }  // EX_CANTCREAT
            return 65
        case is ModelError, is Safetensors.FormatError: return 65
        case is Reference.ParseError: return 64
        case let e as RegistryError:
            switch e.kind {
            case .notFound: return 66  // EX_NOINPUT
            case .badCheckpoint, .badLayout, .digestMismatch: return 65  // EX_DATAERR
            case .readOnly: return 73  // EX_CANTCREAT
            case .diskFull, .storage: return 74  // EX_IOERR
            case .database: return 70
            }
        case let e as TokenizerError: return e.kind == .load ? 66 : 65
        case let e as ClientError:
            switch e.kind {
            case .unauthorized: return 77  // EX_NOPERM
            case .notFound: return 66
            case .unreachable: return 69  // EX_UNAVAILABLE
            case .corrupt, .protocolError: return 76  // EX_PROTOCOL
            case .diskFull: return 74
            case .badInput: return 64
            case .interrupted: return 130
            }
        default: return 70  // EX_SOFTWARE
        }
    }

    /// Runs `body`; a library error is printed to stderr as `error: …` with its hint, and the
    /// process exits with the matching code. Usage errors are left to ArgumentParser.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            throw report(error)
        }
    }

    static func report(_ error: any Error) -> ExitCode {
        printError("error: \(error)")
        return ExitCode(exitCode(for: error))
    }
}

func printError(_ text: String) {
    var stream = StandardError()
    print(text, to: &stream)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
