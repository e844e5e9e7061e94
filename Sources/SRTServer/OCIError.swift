import Foundation
import HTTPTypes
import Hummingbird

/// An error in the distribution spec's JSON envelope: `{"errors":[{"code","message","detail"}]}`.
struct OCIError: Error {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    var response: Response {
        let body = try! JSONSerialization.data(withJSONObject: ["errors": [["code": code, "message": message, "detail": [String: String]()]]])
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
