import SRTCommands

@main extension SRTHub {}
