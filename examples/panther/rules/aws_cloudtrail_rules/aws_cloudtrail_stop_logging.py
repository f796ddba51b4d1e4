def rule(event):
    if event.get("errorCode"):
        return False
    return event.get("eventSource") == "cloudtrail.amazonaws.com" and event.get("eventName") == "StopLogging"


def title(event):
    return f"CloudTrail stopped by {event.get('userIdentity', {}).get('arn', '<unknown>')}"


def alert_context(event):
    return {
        "eventName": event.get("eventName"),
        "awsRegion": event.get("awsRegion"),
        "recipientAccountId": event.get("recipientAccountId"),
    }
