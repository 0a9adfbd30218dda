/** Revoke: asks first; a revoked key cannot be reactivated. */
import { api, type Key } from "../../api";
import { ConfirmDialog, useToast } from "../../ui";

export function RevokeDialog({
  apiKey,
  onClose,
  onRevoked,
}: {
  apiKey: Key;
  onClose: () => void;
  onRevoked: () => Promise<unknown>;
}) {
  const toast = useToast();
  return (
    <ConfirmDialog
      title="Revoke API key"
      confirmLabel="Revoke"
      danger
      onClose={onClose}
      onConfirm={async () => {
        await api.post(`/api/keys/${encodeURIComponent(apiKey.id)}/revoke`);
        toast(`Revoked “${apiKey.name}”.`);
        await onRevoked();
      }}
    >
      <p className="confirm-question">Are you sure you want to revoke this API key?</p>
      <p>
        <strong>{apiKey.name}</strong> (<code>{apiKey.token}</code>) stops working immediately for every
        integration that uses it. Revoked keys cannot be reactivated: you would have to create a new key and
        update the integration.
      </p>
    </ConfirmDialog>
  );
}
